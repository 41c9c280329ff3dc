package ai.cocos.tee.emulated.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.testing.ProviderFramework;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

/**
 * The bundle in a real OSGi framework (Felix + SCR), as the agent runs it: it resolves against the
 * attestation bundle and BouncyCastle, its component registers a {@link TeeProvider} service with
 * its platform property, and evidence verifies inside the framework. The SPI comes from the system
 * bundle so that the test can call the service.
 */
class OsgiWiringTest {
  @TempDir Path storage;
  private ProviderFramework osgi;

  @BeforeEach
  void start() throws Exception {
    List<String> bundles = new ArrayList<>(ProviderFramework.SCR_AND_BOUNCY_CASTLE);
    bundles.addAll(
        List.of(
            "bcutil-jdk18on-",
            "bcpkix-jdk18on-",
            "cocos-attestation-",
            ProviderFramework.MODULE_CLASSES));
    osgi = ProviderFramework.start(storage.resolve("felix"), bundles);
  }

  @AfterEach
  void stop() throws Exception {
    if (osgi != null) {
      osgi.close();
    }
  }

  private TeeProvider provider(String platform) throws Exception {
    return osgi.provider(platform);
  }

  private Bundle bundle(String bsn) {
    return osgi.bundle(bsn);
  }

  @Test
  void theProviderGathersAndVerifiesInsideTheFramework() throws Exception {
    assertEquals(Bundle.ACTIVE, bundle("ai.cocos.tee.emulated").getState());
    // Without configuration the identity goes to $AGENT_EMULATED_TEE_DIR or ~/.cocos, decided when
    // the component activates (on first use): point the JVM's home at the test folder first, so the
    // test leaves nothing behind.
    String home = System.getProperty("user.home");
    System.setProperty("user.home", storage.toString());
    TeeProvider p = provider("emulated");
    assertTrue(p.canGather());
    try {
      byte[] nonce = HexFormat.of().parseHex("0a0b0c");
      Evidence e = p.gather(new EvidenceRequest(nonce, new byte[0]));
      String root = ai.cocos.attestation.Certs.sha256(e.attachments().get("ark"));
      Verdict ok =
          p.verify(
              new VerificationRequest(
                  e,
                  new Policy(
                      "emulated",
                      Map.of("report_data", "0a0b0c", "snp", Map.of("roots", List.of(root)))),
                  Instant.now(),
                  true));
      assertTrue(ok.passed(), () -> ok.failures().toString());
      assertTrue(ok.emulated());
      Verdict snp =
          p.verify(
              new VerificationRequest(
                  e,
                  new Policy(
                      "snp",
                      Map.of(
                          "snp",
                          Map.of(
                              "measurements", List.of("00".repeat(48)), "roots", List.of(root)))),
                  Instant.now(),
                  true));
      assertFalse(snp.passed());
      assertTrue(snp.failures().get(0).message().contains("emulated, not a real TEE"));
    } finally {
      System.setProperty("user.home", home);
    }
  }
}
