package ai.cocos.runner.binary.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.WorkloadRunner;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * Checks what bnd generated into {@code target/classes} (it runs before the tests): the headers the
 * launcher selects runner bundles by, and the DS descriptor's type property.
 */
class BundleMetadataTest {
  private static final Path CLASSES = Path.of("target", "classes");

  @Test
  void manifestNamesTheBundleAndItsRunnerType() throws Exception {
    Attributes main;
    try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.runner.binary", main.getValue("Bundle-SymbolicName"));
    assertEquals(BinaryRunner.TYPE, main.getValue("Cocos-Runner-Type"));
    assertEquals(
        "OSGI-INF/ai.cocos.runner.binary.internal.BinaryRunner.xml",
        main.getValue("Service-Component"));
  }

  @Test
  void componentRegistersTheTypeProperty() throws Exception {
    String xml =
        Files.readString(
            CLASSES.resolve("OSGI-INF/ai.cocos.runner.binary.internal.BinaryRunner.xml"));
    assertTrue(
        xml.contains("name=\"" + WorkloadRunner.TYPE_PROPERTY + "\"")
            && xml.contains("value=\"" + BinaryRunner.TYPE + "\""),
        xml);
    assertTrue(xml.contains("interface=\"" + WorkloadRunner.class.getName() + "\""), xml);
  }
}
