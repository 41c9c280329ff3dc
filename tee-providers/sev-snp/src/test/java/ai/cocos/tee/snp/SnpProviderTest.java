package ai.cocos.tee.snp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gathering on a machine without SEV-SNP, settings, and what bnd generated for OSGi. */
class SnpProviderTest {
  @TempDir Path tmp;

  @Test
  void gatheringHereFailsNamingTheMissingDevice() {
    SnpProvider p =
        new SnpProvider(
            SnpSettings.defaults()
                .withCollateralCache(tmp)
                .withGuest(tmp.resolve("tsm"), tmp.resolve("sev-guest")));
    assertEquals("snp", p.platform());
    assertFalse(p.canGather());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[64], new byte[0])));
    assertEquals(
        "not an SEV-SNP guest: "
            + tmp.resolve("sev-guest")
            + " does not exist (the sev-guest driver is loaded only in an SNP guest)",
        e.getMessage());
  }

  @Test
  void aGuestWithoutConfigfsTsmFallsBackToTheDeviceAndNamesBoth() throws Exception {
    // A plain file where the device should be: the real ioctl reaches no sev-guest driver.
    Path dev = Files.createFile(tmp.resolve("sev-guest"));
    SnpProvider p =
        new SnpProvider(
            SnpSettings.defaults().withCollateralCache(tmp).withGuest(tmp.resolve("tsm"), dev));
    assertTrue(p.canGather(), "the device exists");
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[] {1}, new byte[0])));
    assertTrue(
        e.getMessage().startsWith("configfs-tsm (" + tmp.resolve("tsm") + ") is missing"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("ENOTTY (errno 25, inappropriate ioctl for device): " + dev),
        e.getMessage());
  }

  @Test
  void theDefaultsAreOnThisMachineNotAGuest() {
    SnpProvider p = SnpProvider.withDefaults();
    assertEquals(URI.create("https://kdsintf.amd.com"), p.settings().kds());
    assertEquals(Files.exists(Path.of("/dev/sev-guest")), p.canGather());
  }

  @Test
  void settingsAreValidated() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new SnpSettings(tmp, URI.create("ftp://x"), true, tmp, tmp, -1));
    assertEquals("SEV-SNP provider: kds must be an http(s) URL, was ftp://x", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new SnpSettings(tmp, URI.create("https://x"), true, tmp, tmp, 4));
  }

  @Test
  void bundleRegistersATeeProviderForSnp() throws Exception {
    Path classes = Path.of("target", "classes");
    Attributes main;
    try (InputStream in = Files.newInputStream(classes.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.tee.snp", main.getValue("Bundle-SymbolicName"));
    assertTrue(
        main.getValue("Export-Package").startsWith("ai.cocos.tee.snp;version=\"1.0.0\""),
        main.getValue("Export-Package"));
    String xml =
        Files.readString(
            classes.resolve("OSGI-INF/ai.cocos.tee.snp.internal.SnpProviderComponent.xml"));
    assertTrue(
        xml.contains("name=\"" + TeeProvider.PLATFORM_PROPERTY + "\"")
            && xml.contains("value=\"snp\""),
        xml);
    assertTrue(xml.contains("interface=\"" + TeeProvider.class.getName() + "\""), xml);
  }
}
