package ai.cocos.tee.snp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.testing.ProviderFramework;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
    bundles.addAll(List.of("cocos-attestation-", ProviderFramework.MODULE_CLASSES));
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
  void theProviderRegistersAndVerifiesInsideTheFramework() throws Exception {
    assertEquals(Bundle.ACTIVE, bundle("ai.cocos.tee.snp").getState());
    TeeProvider p = provider("snp");
    assertEquals("snp", p.platform());
    assertFalse(p.canGather(), "no SEV-SNP guest here");
    Path v =
        Path.of(
            System.getenv()
                .getOrDefault("COCOS_ATTESTATION_VECTORS", "/work/shared/attestation-vectors"),
            "snp",
            "turin-v5-msft");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isDirectory(v) || System.getenv("CI") != null, "vectors missing");
    Policy policy =
        new Policy(
            "snp",
            Map.of(
                "snp",
                Map.of(
                    "measurements",
                    List.of(
                        "6d6c354511d6f7c6d7504668903dc5bdc066a048b651840d8d03fb85299ebfa142fccf1d1b0baca496841bdf243619d4"),
                    "check_crl",
                    false)));
    Verdict verdict =
        p.verify(
            new VerificationRequest(
                new Evidence(
                    "snp",
                    Files.readAllBytes(v.resolve("report.bin")),
                    Map.of("vcek", Files.readAllBytes(v.resolve("vcek.pem")))),
                policy,
                Instant.parse("2026-06-01T00:00:00Z"),
                true));
    assertTrue(verdict.passed(), () -> verdict.failures().toString());
    // Stopping the bundle withdraws the service.
    bundle("ai.cocos.tee.snp").stop();
    assertTrue(
        osgi.context()
            .getServiceReferences(TeeProvider.class, "(" + TeeProvider.PLATFORM_PROPERTY + "=snp)")
            .isEmpty());
  }
}
