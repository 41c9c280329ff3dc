package ai.cocos.runner.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.WorkloadRunner;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * Checks what bnd generated into {@code target/classes} (it runs before the tests): the headers the
 * launcher selects runner bundles by, the embedded Chicory and ASM, and the DS descriptor.
 */
class BundleMetadataTest {
  private static final Path CLASSES = Path.of("target", "classes");

  private static Attributes manifest() throws Exception {
    try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
      return new Manifest(in).getMainAttributes();
    }
  }

  @Test
  void manifestNamesTheBundleAndItsRunnerType() throws Exception {
    Attributes main = manifest();
    assertEquals("ai.cocos.runner.wasm", main.getValue("Bundle-SymbolicName"));
    assertEquals(WasmRunner.TYPE, main.getValue("Cocos-Runner-Type"));
    assertEquals(
        "OSGI-INF/ai.cocos.runner.wasm.internal.WasmRunner.xml",
        main.getValue("Service-Component"));
  }

  @Test
  void chicoryAndAsmAreEmbeddedAndNeverImportedOrExported() throws Exception {
    Attributes main = manifest();
    List<String> classPath = List.of(main.getValue("Bundle-ClassPath").split(","));
    for (String jar :
        List.of("runtime", "wasm", "wasi", "log", "compiler", "asm", "asm-commons", "asm-util")) {
      assertTrue(
          classPath.stream().anyMatch(e -> e.matches("lib/" + jar + "-[0-9.]+\\.jar")),
          jar + " not on " + classPath);
    }
    String imports = main.getValue("Import-Package");
    assertFalse(imports.contains("com.dylibso"), imports);
    assertFalse(imports.contains("org.objectweb"), imports);
    assertEquals(null, main.getValue("Export-Package"));
  }

  @Test
  void componentRegistersTheTypeProperty() throws Exception {
    String xml =
        Files.readString(CLASSES.resolve("OSGI-INF/ai.cocos.runner.wasm.internal.WasmRunner.xml"));
    assertTrue(
        xml.contains("name=\"" + WorkloadRunner.TYPE_PROPERTY + "\"")
            && xml.contains("value=\"" + WasmRunner.TYPE + "\""),
        xml);
    assertTrue(xml.contains("interface=\"" + WorkloadRunner.class.getName() + "\""), xml);
    // The agent assembly configures the runner under this PID from AGENT_WASM_* variables.
    assertTrue(xml.contains("configuration-pid=\"ai.cocos.runner.wasm\""), xml);
  }
}
