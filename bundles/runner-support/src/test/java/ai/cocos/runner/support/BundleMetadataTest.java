package ai.cocos.runner.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** Checks what bnd generated: the runners import this package at version 1.x. */
class BundleMetadataTest {

  @Test
  void exportsTheSupportPackageAtItsVersion() throws Exception {
    Attributes main;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.runner.support", main.getValue("Bundle-SymbolicName"));
    String exports = main.getValue("Export-Package");
    assertTrue(exports.contains("ai.cocos.runner.support;version=\"1.0.0\""), exports);
  }
}
