package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.TeeProvider;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The SEV-SNP and TDX provider services an Azure component delegates to, tracked as they come and
 * go (dynamic references): a lookup by platform id that always answers with a provider that is
 * registered now. Thread-safe.
 */
final class HardwareProviders implements Function<String, Optional<TeeProvider>> {
  /** Services by platform; the last bound one serves, earlier ones stand by. */
  private final Map<String, CopyOnWriteArrayList<TeeProvider>> byPlatform =
      new ConcurrentHashMap<>();

  void bind(TeeProvider p, Map<String, ?> properties) {
    byPlatform.computeIfAbsent(platformOf(p, properties), k -> new CopyOnWriteArrayList<>()).add(p);
  }

  void unbind(TeeProvider p, Map<String, ?> properties) {
    CopyOnWriteArrayList<TeeProvider> l = byPlatform.get(platformOf(p, properties));
    if (l != null) {
      l.remove(p);
    }
  }

  private static String platformOf(TeeProvider p, Map<String, ?> properties) {
    Object v = properties.get(TeeProvider.PLATFORM_PROPERTY);
    return v instanceof String s ? s : p.platform();
  }

  @Override
  public Optional<TeeProvider> apply(String platform) {
    CopyOnWriteArrayList<TeeProvider> l = byPlatform.get(platform);
    if (l == null) {
      return Optional.empty();
    }
    Object[] snapshot = l.toArray();
    return snapshot.length == 0
        ? Optional.empty()
        : Optional.of((TeeProvider) snapshot[snapshot.length - 1]);
  }
}
