package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * bundles by, the DS descriptor's type property and configuration PID, and that nothing is
 * exported.
 */
class BundleMetadataTest {
  private static final Path CLASSES = Path.of("target", "classes");

  @Test
  void manifestNamesTheBundleAndItsRunnerType() throws Exception {
    Attributes main;
    try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.runner.docker", main.getValue("Bundle-SymbolicName"));
    assertEquals(DockerRunner.TYPE, main.getValue("Cocos-Runner-Type"));
    assertEquals(
        "OSGI-INF/ai.cocos.runner.docker.internal.DockerRunner.xml",
        main.getValue("Service-Component"));
    assertFalse(main.containsKey(new Attributes.Name("Export-Package")), "exports nothing");
    assertTrue(
        main.getValue("Import-Package").contains("ai.cocos.runner.support"),
        main.getValue("Import-Package"));
  }

  @Test
  void componentRegistersTheTypeAndReadsItsPid() throws Exception {
    String xml =
        Files.readString(
            CLASSES.resolve("OSGI-INF/ai.cocos.runner.docker.internal.DockerRunner.xml"));
    assertTrue(
        xml.contains("name=\"" + WorkloadRunner.TYPE_PROPERTY + "\"")
            && xml.contains("value=\"" + DockerRunner.TYPE + "\""),
        xml);
    assertTrue(xml.contains("configuration-pid=\"ai.cocos.runner.docker\""), xml);
    assertTrue(xml.contains("interface=\"" + WorkloadRunner.class.getName() + "\""), xml);
  }
}
