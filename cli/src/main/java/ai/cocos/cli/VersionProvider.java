package ai.cocos.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * Prints {@code cocos-cli <version>} (from a resource Maven fills in at build time) and the Java
 * runtime it runs on.
 */
final class VersionProvider implements IVersionProvider {
  /** The resource holding {@code version=...}, next to this class. */
  static final String RESOURCE = "version.properties";

  @Override
  public String[] getVersion() {
    return new String[] {
      "cocos-cli " + version(),
      // java.runtime.version is Runtime.version() as text, without its stream-based formatting.
      "Java "
          + System.getProperty("java.runtime.version", System.getProperty("java.version"))
          + " ("
          + System.getProperty("java.vm.name", "unknown VM")
          + ", "
          + System.getProperty("java.vendor", "unknown vendor")
          + ")"
    };
  }

  /**
   * The project version this build was made from.
   *
   * @return the version, or {@code unknown} if the build did not fill it in
   */
  static String version() {
    Properties properties = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    String version = properties.getProperty("version", "unknown");
    // Unfiltered (for example run from an IDE without the Maven build): say so.
    return version.startsWith("${") ? "unknown" : version;
  }
}
