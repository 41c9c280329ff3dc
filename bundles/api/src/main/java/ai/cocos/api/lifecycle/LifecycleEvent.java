package ai.cocos.api.lifecycle;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened to the runtime's set of plugins.
 *
 * @param type what happened
 * @param subject what it happened to: a bundle's symbolic name, or {@code runner:bin}-style plugin
 *     id
 * @param version the subject's version, or the empty string
 * @param message a sentence for logs and events
 * @param time when it happened
 */
public record LifecycleEvent(
    Type type, String subject, String version, String message, Instant time) {

  /** What happened. */
  public enum Type {
    /** A plugin bundle was installed from the deploy folder. */
    BUNDLE_INSTALLED,
    /** A plugin bundle was updated to another version. */
    BUNDLE_UPDATED,
    /** A plugin bundle was uninstalled. */
    BUNDLE_UNINSTALLED,
    /** A deploy-folder file could not be installed or updated; the message says why. */
    BUNDLE_FAILED,
    /** A plugin service became available. */
    PLUGIN_ADDED,
    /** A plugin service went away. */
    PLUGIN_REMOVED,
    /** A plugin was refused (for example, its host lacks what it needs). */
    PLUGIN_REFUSED
  }

  /** Validates. */
  public LifecycleEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(time, "time");
  }
}
