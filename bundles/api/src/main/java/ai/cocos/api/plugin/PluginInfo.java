package ai.cocos.api.plugin;

import java.util.Objects;

/**
 * One plugin service the registry knows.
 *
 * @param kind what the plugin is
 * @param id its key within the kind: runner type, TEE platform, or transport endpoint
 * @param bundle the symbolic name of the bundle providing it
 * @param version that bundle's version
 * @param active whether it serves; a refused plugin is listed with the reason
 * @param detail the transport address, or why the plugin was refused; else empty
 */
public record PluginInfo(
    Kind kind, String id, String bundle, String version, boolean active, String detail) {

  /** Kinds of plugin. */
  public enum Kind {
    /** A {@link ai.cocos.api.runner.WorkloadRunner}. */
    RUNNER,
    /** A {@link ai.cocos.api.tee.TeeProvider}. */
    TEE,
    /** A {@link ai.cocos.api.transport.Transport}. */
    TRANSPORT
  }

  /** Validates. */
  public PluginInfo {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(detail, "detail");
  }
}
