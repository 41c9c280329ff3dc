package ai.cocos.tee.vtpm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.TeeProvider;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * Checks what bnd generated into {@code target/classes}: the bundle's name and exported API, and
 * one DS component per platform registering a {@link TeeProvider} with its platform property (the
 * Azure ones with an optional, dynamic reference to the hardware provider they delegate to).
 */
class BundleMetadataTest {
  private static final Path CLASSES = Path.of("target", "classes");

  @Test
  void manifestNamesTheBundleAndExportsOnlyTheApi() throws Exception {
    Attributes main;
    try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.tee.vtpm", main.getValue("Bundle-SymbolicName"));
    String exports = main.getValue("Export-Package");
    assertTrue(exports.startsWith("ai.cocos.tee.vtpm;version=\"1.1.0\""), exports);
    assertTrue(!exports.contains("internal"), exports);
    String components = main.getValue("Service-Component");
    for (String c : List.of("VtpmComponent", "AzureSnpVtpmComponent", "AzureTdxVtpmComponent")) {
      assertTrue(components.contains("ai.cocos.tee.vtpm.internal." + c + ".xml"), components);
    }
  }

  @Test
  void eachComponentRegistersItsPlatform() throws Exception {
    check("VtpmComponent", "vtpm", null);
    check("AzureSnpVtpmComponent", "azure-snp-vtpm", "snp");
    check("AzureTdxVtpmComponent", "azure-tdx-vtpm", "tdx");
  }

  private static void check(String component, String platform, String delegate) throws Exception {
    String xml =
        Files.readString(
            CLASSES.resolve("OSGI-INF/ai.cocos.tee.vtpm.internal." + component + ".xml"));
    assertTrue(
        xml.contains(
            "<property name=\""
                + TeeProvider.PLATFORM_PROPERTY
                + "\" type=\"String\" value=\""
                + platform
                + "\"/>"),
        xml);
    assertTrue(xml.contains("<provide interface=\"" + TeeProvider.class.getName() + "\"/>"), xml);
    // Only the plain vtpm component measures manifests: the Azure ones reach the same TPM.
    assertEquals(
        delegate == null,
        xml.contains(
            "<provide interface=\""
                + ai.cocos.api.tee.RuntimeMeasurements.class.getName()
                + "\"/>"),
        xml);
    if (delegate != null) {
      assertTrue(
          xml.contains("cardinality=\"0..n\" policy=\"dynamic\"")
              && xml.contains("target=\"(cocos.tee.platform=" + delegate + ")\""),
          xml);
    }
  }
}
