package ai.cocos.tee.vtpm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.attestation.testing.ProviderFramework;
import ai.cocos.tee.vtpm.internal.Vectors;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The bundle in a real OSGi framework (Felix + SCR): it resolves against the attestation bundle,
 * its three components register {@link TeeProvider} services with their platform property, a
 * verification runs inside the framework, and the Azure component picks up an SEV-SNP provider
 * service when it arrives and reports it missing when it leaves. The SPI comes from the system
 * bundle so the test can call and register services.
 */
class OsgiWiringTest {
  @TempDir Path storage;
  private ProviderFramework osgi;
  private BundleContext ctx;

  @BeforeEach
  void start() throws Exception {
    List<String> bundles = new ArrayList<>(ProviderFramework.SCR_AND_BOUNCY_CASTLE);
    bundles.addAll(List.of("cocos-attestation-", ProviderFramework.MODULE_CLASSES));
    osgi = ProviderFramework.start(storage, bundles);
    ctx = osgi.context();
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

  @Test
  void theThreeProvidersRegisterAndVerifyInsideTheFramework() throws Exception {
    Bundle vtpm = osgi.bundle("ai.cocos.tee.vtpm");
    assertEquals(Bundle.ACTIVE, vtpm.getState());
    TreeSet<String> platforms = new TreeSet<>();
    for (String p : List.of("vtpm", "azure-snp-vtpm", "azure-tdx-vtpm")) {
      platforms.add(provider(p).platform());
    }
    assertEquals(new TreeSet<>(List.of("vtpm", "azure-snp-vtpm", "azure-tdx-vtpm")), platforms);
    TeeProvider p = provider("vtpm");
    assertFalse(p.canGather(), "no /dev/tpmrm0 on this machine");
    Verdict v =
        p.verify(
            new VerificationRequest(
                new Evidence(
                    "vtpm", Vectors.read("tpm/gce-cos85-vtpm/attestation-nonce9009.pb"), Map.of()),
                PolicyDocument.parse(
                    "{\"platform\": \"vtpm\", \"vtpm\": {\"pcrs\": {\"sha256\": {\"0\":"
                        + " [\"0f35c214608d93c7a6e68ae7359b4a8be5a0e99eea9107ece427c4dea4e439cf\"]}},"
                        + " \"nonce\": \"9009\", \"ak_roots\":"
                        + " [\"9bd5285f8fb18502a7947e621ffd470266f49fcd3b73e19a190f690ad32a7caf\"]}}"),
                Instant.parse("2025-01-01T00:00:00Z"),
                true));
    assertTrue(v.passed(), () -> v.failures().toString());
  }

  /** An SEV-SNP provider service standing in for tee-providers/sev-snp (not hardware). */
  private static final class PassingSnp implements TeeProvider {
    @Override
    public String platform() {
      return SEV_SNP;
    }

    @Override
    public boolean canGather() {
      return false;
    }

    @Override
    public Evidence gather(EvidenceRequest request) throws AttestationException {
      throw new AttestationException("not here");
    }

    @Override
    public Verdict verify(VerificationRequest request) {
      return new Verdict(
          SEV_SNP,
          false,
          List.of(new Verdict.Finding("report.signature", true, "valid", "valid", "stand-in")),
          Map.of());
    }
  }

  @Test
  void theAzureComponentFollowsTheSnpProviderServiceAsItComesAndGoes() throws Exception {
    TeeProvider azure = provider("azure-snp-vtpm");
    Evidence e =
        ai.cocos.tee.vtpm.VtpmEvidence.azure(
            "azure-snp-vtpm",
            Vectors.read("tpm/azure-snp-vtpm-milan/hcl-report.bin"),
            Vectors.read("tpm/azure-snp-vtpm-milan/tpm-quote.json"),
            Map.of());
    Policy policy =
        PolicyDocument.parse(
            "{\"platform\": \"azure-snp-vtpm\", \"vtpm\": {\"nonce\": \"6368616c6c656e6765\","
                + " \"pcrs\": {\"sha256\": {\"0\":"
                + " [\"f3a7e99a5f819a034386bce753a48a73cfdaa0bea0ecfc124bedbf5a8c4799be\"]}}}}");
    VerificationRequest r =
        new VerificationRequest(e, policy, Instant.parse("2025-01-01T00:00:00Z"), true);
    Verdict before = azure.verify(r);
    assertTrue(
        before.failures().stream().anyMatch(f -> f.rule().equals("snp.provider")),
        before.failures()::toString);

    Hashtable<String, Object> props = new Hashtable<>();
    props.put(TeeProvider.PLATFORM_PROPERTY, TeeProvider.SEV_SNP);
    ServiceRegistration<TeeProvider> reg =
        ctx.registerService(TeeProvider.class, new PassingSnp(), props);
    Verdict with = azure.verify(r);
    assertTrue(with.passed(), with.failures()::toString);

    reg.unregister();
    Verdict after = azure.verify(r);
    assertTrue(
        after.failures().stream().anyMatch(f -> f.rule().equals("snp.provider")),
        after.failures()::toString);
  }

  @Test
  void onlyTheVtpmComponentMeasuresManifestsAndWithoutATpmItMeasuresNothing() throws Exception {
    var refs = ctx.getServiceReferences(ai.cocos.api.tee.RuntimeMeasurements.class, null);
    assertEquals(1, refs.size(), "one RuntimeMeasurements service");
    var ref = refs.iterator().next();
    assertEquals("vtpm", ref.getProperty(TeeProvider.PLATFORM_PROPERTY));
    ai.cocos.api.tee.RuntimeMeasurements m = ctx.getService(ref);
    assertTrue(
        m.extend(ai.cocos.api.tee.RuntimeMeasurements.MANIFEST, new byte[] {1}).isEmpty(),
        "no /dev/tpmrm0 here: nothing measured, nothing failed");
    ctx.ungetService(ref);
  }
}
