package ai.cocos.core.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the deploy-folder watcher (PID {@code ai.cocos.core.deploy}). */
@ObjectClassDefinition(
    name = "Cocos deploy folder",
    description =
        "A folder watched for plugin bundles: a jar dropped in is installed, a newer one updates"
            + " it, a removed one is uninstalled. Off unless a folder is set: code dropped here"
            + " runs with the agent's rights and is not covered by the launch measurement.")
public @interface DeployWatcherConfig {
  /**
   * The folder to watch; empty turns the watcher off.
   *
   * @return an absolute path, or empty
   */
  @AttributeDefinition(description = "Folder to watch; empty turns hot deploy off")
  String dir() default "";

  /**
   * How often the folder is rescanned even without a file-system event.
   *
   * @return milliseconds
   */
  @AttributeDefinition(description = "Rescan interval in milliseconds")
  long pollMillis() default 1000;

  /**
   * How long a jar must stay unchanged before it is read, so a half-copied file is never installed.
   *
   * @return milliseconds
   */
  @AttributeDefinition(description = "Quiet time before a changed jar is read, in milliseconds")
  long settleMillis() default 200;
}
