package ai.cocos.api.plugin;

import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.TeeProvider;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The plugins serving now. Provided by the core; plugins come and go while the runtime runs, so
 * callers look a plugin up when they need it instead of keeping it.
 *
 * <p>Where two plugins serve the same runner type or platform, the one with the higher service
 * ranking wins, then the higher bundle version.
 */
@ProviderType
public interface PluginRegistry {
  /**
   * Every plugin known, active or refused, sorted by kind and id.
   *
   * @return a snapshot
   */
  List<PluginInfo> plugins();

  /**
   * The runner serving an algorithm type.
   *
   * @param type the algorithm type, e.g. {@code wasm}
   * @return the runner
   * @throws RunnerUnavailableException reading {@code runner 'x' is not installed (installed: ...)}
   *     if none serves it, or naming what its host lacks if it was refused
   */
  WorkloadRunner runner(String type) throws RunnerUnavailableException;

  /**
   * The provider for a platform.
   *
   * @param platform the platform id, e.g. {@code snp}
   * @return the provider, or empty if none is installed
   */
  Optional<TeeProvider> teeProvider(String platform);

  /**
   * The TEE providers installed, best first per platform.
   *
   * @return a snapshot
   */
  List<TeeProvider> teeProviders();
}
