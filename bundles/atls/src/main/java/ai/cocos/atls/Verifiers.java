package ai.cocos.atls;

import ai.cocos.api.tee.TeeProvider;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Finds the TEE provider that verifies one platform's evidence, with its full verification
 * (signatures, certificate chains, collateral, TCB, policy). The CLI makes providers as plain jars
 * for its collateral cache; a framework looks up the registered ones.
 */
@ConsumerType
@FunctionalInterface
public interface Verifiers {
  /**
   * The verifier of a platform.
   *
   * @param platform the evidence's platform ({@code snp}, {@code tdx}, {@code vtpm}, {@code
   *     azure-snp-vtpm}, {@code azure-tdx-vtpm}, {@code emulated})
   * @return the provider, or empty if this client has none for the platform
   */
  Optional<TeeProvider> verifier(String platform);
}
