package ai.cocos.runner.python.internal;

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
 * Checks what bnd generated into {@code target/classes}: the headers the launcher selects runner
 * bundles by, and the DS descriptor's type property and configuration PID.
 */
class BundleMetadataTest {
  private static final Path CLASSES = Path.of("target", "classes");
  private static final String XML = "OSGI-INF/ai.cocos.runner.python.internal.PythonRunner.xml";

  @Test
  void manifestNamesTheBundleAndItsRunnerType() throws Exception {
    Attributes main;
    try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.runner.python", main.getValue("Bundle-SymbolicName"));
    assertEquals(PythonRunner.TYPE, main.getValue("Cocos-Runner-Type"));
    assertEquals(XML, main.getValue("Service-Component"));
    assertTrue(main.getValue("Import-Package").contains("ai.cocos.runner.support"));
  }

  @Test
  void componentRegistersTheTypePropertyAndTheOperatorPid() throws Exception {
    String xml = Files.readString(CLASSES.resolve(XML));
    assertTrue(
        xml.contains("name=\"" + WorkloadRunner.TYPE_PROPERTY + "\"")
            && xml.contains("value=\"" + PythonRunner.TYPE + "\""),
        xml);
    assertTrue(xml.contains("configuration-pid=\"ai.cocos.runner.python\""), xml);
    assertTrue(xml.contains("interface=\"" + WorkloadRunner.class.getName() + "\""), xml);
  }
}
