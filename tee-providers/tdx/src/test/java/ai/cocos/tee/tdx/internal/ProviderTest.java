package ai.cocos.tee.tdx.internal;

import static ai.cocos.tee.tdx.internal.TdxFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.tdx.TdxPolicyTemplate;
import ai.cocos.tee.tdx.TdxProvider;
import ai.cocos.tee.tdx.TdxSettings;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public entry points: plain-jar provider, policy template, gathering, OSGi metadata. */
class ProviderTest {
  private static final Path CLASSES = Path.of("target", "classes");

  @TempDir Path tmp;

  private TdxProvider offlineProvider() {
    return new TdxProvider(TdxSettings.defaults().withCollateralCache(null));
  }

  @Test
  void shippedRootIsIntelsSgxRootCaByHash() throws Exception {
    byte[] shipped;
    try (InputStream in = Roots.class.getResourceAsStream("intel-sgx-root-ca.pem")) {
      shipped = Certs.der(Certs.readOne(in.readAllBytes()));
    }
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(shipped));
    assertEquals("44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3", sha);
    assertEquals(Roots.INTEL_SGX_ROOT_CA_SHA256, sha);
    // The vectors' copy (taken from go-tdx-guest) is the same certificate.
    assertTrue(
        MessageDigest.isEqual(
            shipped, Certs.der(Certs.readOne(Vectors.read("roots/intel/intel_sgx_root_ca.pem")))));
  }

  @Test
  void serviceLoaderFindsThePlainJarProvider() {
    List<TeeProvider> found =
        ServiceLoader.load(TeeProvider.class).stream().map(ServiceLoader.Provider::get).toList();
    assertTrue(
        found.stream().anyMatch(p -> p instanceof TdxProvider && p.platform().equals("tdx")));
  }

  @Test
  void plainJarProviderVerifiesWithAttachedCollateral() {
    Evidence e = phala();
    Verdict v = offlineProvider().verify(new VerificationRequest(e, pinMrtd(e), PHALA_AT, true));
    assertTrue(v.passed(), describe(v));
  }

  @Test
  void policyTemplatePinsWhatTheQuoteMeasuredAndRoundTrips() throws Exception {
    Evidence e = phala();
    String json = TdxPolicyTemplate.json(e);
    Policy p = PolicyDocument.parse(json);
    assertEquals("tdx", p.platform());
    Verdict v = offlineProvider().verify(new VerificationRequest(e, p, PHALA_AT, true));
    assertTrue(v.passed(), describe(v));
    for (String rule :
        List.of(
            "tdx.mrtd",
            "tdx.rtmrs",
            "tdx.mr_seam",
            "tdx.xfam",
            "tdx.td_attributes",
            "tdx.minimum_tee_tcb_svn",
            "tdx.roots",
            "tdx.debug_allowed")) {
      assertTrue(finding(v, rule).passed(), rule);
    }
    assertTrue(json.contains("91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407"));
    assertFalse(json.contains("report_data"), json);
    // Another quote (other MRTD and RTMRs) fails that policy on exactly those rules.
    Evidence other = noMatch();
    Verdict v2 = offlineProvider().verify(new VerificationRequest(other, p, NO_MATCH_AT, true));
    assertTrue(
        failed(v2).containsAll(List.of("tdx.mrtd", "tdx.rtmrs", "tdx.mr_seam")), describe(v2));
    assertThrows(
        IllegalArgumentException.class,
        () -> TdxPolicyTemplate.from(new Evidence("tdx", new byte[10], Map.of())));
    assertThrows(
        IllegalArgumentException.class,
        () -> TdxPolicyTemplate.from(new Evidence("snp", e.report(), Map.of())));
  }

  @Test
  void gatherWithoutConfigfsTsmNamesTheMissingInterface() {
    TdxProvider p =
        new TdxProvider(
            TdxSettings.defaults().withGuestInterfaces(tmp.resolve("absent"), tmp.resolve("ccel")));
    assertFalse(p.canGather());
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[64], new byte[0])));
    assertTrue(e.getMessage().contains(tmp.resolve("absent").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("configfs-tsm"), e.getMessage());
  }

  @Test
  void gatherOnAFolderThatIsNotConfigfsSaysSoAndLeavesNothingBehind() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("report"));
    TdxProvider p =
        new TdxProvider(TdxSettings.defaults().withGuestInterfaces(dir, tmp.resolve("c")));
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[] {1, 2, 3}, new byte[0])));
    assertTrue(
        e.getMessage().startsWith("TDX quote unavailable: configfs-tsm refused"), e.getMessage());
    assertTrue(e.getMessage().contains("provider"), e.getMessage());
    try (var entries = Files.list(dir)) {
      assertEquals(0, entries.count());
    }
  }

  @Test
  void gatherOnThisMachineIsAnHonestError() {
    // No TDX guest here: the default interface is missing and the provider says which.
    TdxProvider p = new TdxProvider();
    if (p.canGather()) {
      return; // running inside a real TD
    }
    AttestationException e =
        assertThrows(
            AttestationException.class,
            () -> p.gather(new EvidenceRequest(new byte[64], new byte[0])));
    assertTrue(e.getMessage().startsWith("TDX quote unavailable"), e.getMessage());
  }

  @Test
  void componentSettingsComeFromItsConfiguration() {
    TdxProviderConfig config = config(Map.of("pcsUrl", "https://pccs.example:8081"));
    TdxSettings s = TdxProviderComponent.settings(config);
    assertEquals("https://pccs.example:8081", s.pcs().base().toString());
    assertTrue(s.fetchCollateral());
    assertEquals(TdxSettings.DEFAULT_TSM_REPORT_DIR, s.tsmReportDir());
    assertThrows(
        IllegalArgumentException.class,
        () -> TdxProviderComponent.settings(config(Map.of("pcsUrl", "file:///etc/passwd"))));
    TdxProviderComponent c = new TdxProviderComponent(config(Map.of()));
    assertEquals("tdx", c.platform());
    Evidence e = phala();
    assertTrue(c.verify(new VerificationRequest(e, pinMrtd(e), PHALA_AT, true)).passed());
  }

  @Test
  void manifestExportsTheApiAndRegistersTheComponent() throws Exception {
    Attributes main;
    try (InputStream in = Files.newInputStream(CLASSES.resolve("META-INF/MANIFEST.MF"))) {
      main = new Manifest(in).getMainAttributes();
    }
    assertEquals("ai.cocos.tee.tdx", main.getValue("Bundle-SymbolicName"));
    assertEquals("tdx", main.getValue("Cocos-Tee-Platform"));
    assertTrue(main.getValue("Export-Package").startsWith("ai.cocos.tee.tdx;version=\"1.0.0\""));
    assertFalse(main.getValue("Export-Package").contains("internal"));
    assertEquals(
        "OSGI-INF/ai.cocos.tee.tdx.internal.TdxProviderComponent.xml",
        main.getValue("Service-Component"));
    String xml =
        Files.readString(
            CLASSES.resolve("OSGI-INF/ai.cocos.tee.tdx.internal.TdxProviderComponent.xml"));
    assertTrue(xml.contains("name=\"" + TeeProvider.PLATFORM_PROPERTY + "\""), xml);
    assertTrue(xml.contains("value=\"tdx\""), xml);
    assertTrue(xml.contains("interface=\"" + TeeProvider.class.getName() + "\""), xml);
  }

  /** A configuration annotation instance with the given values over the defaults. */
  private static TdxProviderConfig config(Map<String, Object> values) {
    return (TdxProviderConfig)
        java.lang.reflect.Proxy.newProxyInstance(
            TdxProviderConfig.class.getClassLoader(),
            new Class<?>[] {TdxProviderConfig.class},
            (proxy, method, args) -> {
              if (method.getName().equals("annotationType")) {
                return TdxProviderConfig.class;
              }
              if (values.containsKey(method.getName())) {
                return values.get(method.getName());
              }
              return method.getDefaultValue();
            });
  }
}
