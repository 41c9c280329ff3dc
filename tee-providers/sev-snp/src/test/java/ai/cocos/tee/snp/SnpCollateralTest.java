package ai.cocos.tee.snp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.Verdict.Finding;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.collateral.CollateralBundle;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.snp.AmdKds;
import ai.cocos.attestation.snp.SnpProduct;
import ai.cocos.attestation.snp.SnpReport;
import ai.cocos.attestation.snp.TcbVersion;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VCEKs and CRLs not attached to the evidence: fetched from a KDS (a real HTTP server on loopback
 * serving the vectors' VCEKs at AMD's paths) only on a cache miss and only online, then served from
 * the cache, also offline and from an exported bundle.
 */
class SnpCollateralTest {
  @TempDir Path tmp;
  HttpServer kds;
  URI base;
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  final Map<String, byte[]> served = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    kds = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    kds.createContext(
        "/",
        ex -> {
          String path =
              ex.getRequestURI().getRawPath()
                  + (ex.getRequestURI().getRawQuery() == null
                      ? ""
                      : "?" + ex.getRequestURI().getRawQuery());
          hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
          byte[] body = served.get(path);
          ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
          if (body != null) {
            ex.getResponseBody().write(body);
          }
          ex.close();
        });
    kds.start();
    base = URI.create("http://127.0.0.1:" + kds.getAddress().getPort());
    for (String dir : List.of("milan-v2-trustee", "genoa-v3-msft", "turin-v5-msft")) {
      SnpVectors v = SnpVectors.of(dir);
      SnpReport r = SnpReport.parse(v.report());
      SnpProduct p = r.cpuidProduct().orElse(SnpProduct.MILAN);
      URI url = new AmdKds(base).vcek(p, r.chipId(), TcbVersion.decode(r.reportedTcb(), p));
      served.put(
          url.getRawPath() + "?" + url.getRawQuery(), Certs.der(Certs.readOne(v.signerBytes())));
    }
    served.put("/vcek/v1/Milan/crl", new byte[] {0x30, 0x03, 0x02, 0x01, 0x00});
  }

  @AfterEach
  void stop() {
    kds.stop(0);
  }

  SnpProvider provider(String cacheName) {
    return new SnpProvider(
        SnpSettings.defaults().withCollateralCache(tmp.resolve(cacheName)).withKds(base));
  }

  static Policy policy(SnpVectors v, Map<String, Object> extra) throws Exception {
    Map<String, Object> snp = new LinkedHashMap<>();
    snp.put("measurements", List.of(v.measurement()));
    snp.put("check_crl", false);
    snp.putAll(extra);
    return new Policy("snp", Map.of("snp", snp));
  }

  int hitCount() {
    return hits.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Test
  void fetchesAMissingVcekOnceThenWorksOfflineAndFromABundle() throws Exception {
    SnpVectors g = SnpVectors.of("genoa-v3-msft");
    Evidence bare = new Evidence("snp", g.report(), Map.of());
    Policy p = policy(g, Map.of());
    // Offline with an empty cache: the finding says what to do.
    Verdict miss = provider("c").verify(new VerificationRequest(bare, p, g.at(), true));
    assertFalse(miss.passed());
    Finding f = miss.failures().get(0);
    assertEquals("vcek.source", f.rule());
    assertTrue(
        f.message().contains("is not in the collateral cache")
            && f.message().contains("import a collateral bundle"),
        f.message());
    assertEquals(0, hitCount());

    Verdict online = provider("c").verify(new VerificationRequest(bare, p, g.at(), false));
    assertTrue(online.passed(), SnpConformanceTest.report(online));
    assertEquals(1, hitCount());
    assertTrue(
        online.findings().stream()
            .anyMatch(
                x ->
                    x.rule().equals("vcek.source")
                        && x.found().startsWith("from " + base + "/vcek/v1/Genoa/")));
    // Never fetched again: online or offline, same or a new provider over the same cache.
    assertTrue(provider("c").verify(new VerificationRequest(bare, p, g.at(), false)).passed());
    assertTrue(provider("c").verify(new VerificationRequest(bare, p, g.at(), true)).passed());
    assertEquals(1, hitCount());

    // A bundle exported from that cache verifies on another machine, offline.
    CollateralBundle.export(
        new CollateralCache(tmp.resolve("c")), tmp.resolve("amd.zip"), u -> true);
    CollateralBundle.importInto(
        tmp.resolve("amd.zip"), new CollateralCache(tmp.resolve("airgapped")));
    assertTrue(
        provider("airgapped").verify(new VerificationRequest(bare, p, g.at(), true)).passed());
    assertEquals(1, hitCount());
  }

  @Test
  void v2ReportsTakeTheProductFromThePolicy() throws Exception {
    SnpVectors m = SnpVectors.of("milan-v2-trustee");
    Evidence bare = new Evidence("snp", m.report(), Map.of());
    Verdict noProduct =
        provider("c").verify(new VerificationRequest(bare, policy(m, Map.of()), m.at(), false));
    assertFalse(noProduct.passed());
    assertTrue(
        noProduct
            .failures()
            .get(0)
            .message()
            .startsWith("a version 2 report carries no CPUID: name the product in snp.products"),
        SnpConformanceTest.report(noProduct));
    Verdict named =
        provider("c")
            .verify(
                new VerificationRequest(
                    bare, policy(m, Map.of("products", List.of("Genoa", "Milan"))), m.at(), false));
    assertTrue(named.passed(), SnpConformanceTest.report(named));
    assertEquals("Milan", named.claims().get("product"));
    // A hint attached to the evidence works too, and a wrong hint fails closed.
    assertTrue(
        provider("c")
            .verify(
                new VerificationRequest(
                    new Evidence("snp", m.report(), Map.of("product", "Milan".getBytes())),
                    policy(m, Map.of()),
                    m.at(),
                    true))
            .passed());
    assertFalse(
        provider("d")
            .verify(
                new VerificationRequest(
                    new Evidence("snp", m.report(), Map.of("product", "Genoa".getBytes())),
                    policy(m, Map.of()),
                    m.at(),
                    false))
            .passed());
  }

  @Test
  void revocationIsCheckedByDefaultAndFailsClosed() throws Exception {
    SnpVectors g = SnpVectors.of("genoa-v3-msft");
    Map<String, Object> crlOn = Map.of("check_crl", true);
    // No CRL offline: rejected, with what to do.
    Verdict offline =
        provider("c").verify(new VerificationRequest(g.evidence(), policy(g, crlOn), g.at(), true));
    assertEquals(List.of("crl"), offline.failures().stream().map(Finding::rule).toList());
    assertTrue(
        offline
            .failures()
            .get(0)
            .message()
            .startsWith(
                "cannot check revocation: "
                    + base
                    + "/vcek/v1/Genoa/crl is not in the collateral cache"),
        offline.failures().get(0).message());
    // Online: the KDS has no Genoa CRL (404) -> rejected naming it.
    Verdict missing =
        provider("c")
            .verify(new VerificationRequest(g.evidence(), policy(g, crlOn), g.at(), false));
    assertTrue(
        missing.failures().get(0).message().contains("not found (HTTP 404)"),
        missing.failures().get(0).message());
    // Milan's CRL on the KDS is garbage -> rejected.
    SnpVectors m = SnpVectors.of("milan-v2-trustee");
    Verdict garbage =
        provider("c")
            .verify(new VerificationRequest(m.evidence(), policy(m, crlOn), m.at(), false));
    assertEquals("crl", garbage.failures().get(0).rule());
    // An attached CRL that is not signed by the ARK is rejected too.
    byte[] notAmd =
        java.nio.file.Files.readAllBytes(
            Vectors.dir().resolve("tdx/v4-spr-go-tdx-guest/collateral/root_ca_crl.der"));
    Verdict foreign =
        provider("c")
            .verify(
                new VerificationRequest(
                    new Evidence("snp", g.report(), Map.of("vcek", g.signerBytes(), "crl", notAmd)),
                    policy(g, crlOn),
                    g.at(),
                    true));
    assertEquals("crl", foreign.failures().get(0).rule());
    assertTrue(
        foreign.failures().get(0).message().contains("is not issued by CN=ARK-Genoa"),
        foreign.failures().get(0).message());
  }

  @Test
  void prefetchFillsTheCacheForOfflineUse() throws Exception {
    SnpVectors g = SnpVectors.of("genoa-v3-msft");
    served.put(
        "/vcek/v1/Genoa/cert_chain",
        java.nio.file.Files.readAllBytes(Vectors.dir().resolve("roots/amd/genoa_ask_ark.pem")));
    served.put(
        "/vlek/v1/Genoa/cert_chain",
        java.nio.file.Files.readAllBytes(Vectors.dir().resolve("roots/amd/genoa_asvk_ark.pem")));
    served.put("/vcek/v1/Genoa/crl", new byte[] {1});
    served.put("/vlek/v1/Genoa/crl", new byte[] {2});
    List<URI> urls = provider("p").prefetch(List.of(SnpProduct.GENOA), List.of(g.report()));
    assertEquals(5, urls.size());
    assertEquals(5, hitCount());
    provider("p").prefetch(List.of(SnpProduct.GENOA), List.of(g.report()));
    assertEquals(5, hitCount(), "cached items are not fetched again");
    assertTrue(
        provider("p")
            .verify(
                new VerificationRequest(
                    new Evidence("snp", g.report(), Map.of()), policy(g, Map.of()), g.at(), true))
            .passed());
    served.remove("/vcek/v1/Genoa/crl");
    ai.cocos.api.tee.AttestationException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ai.cocos.api.tee.AttestationException.class,
            () -> provider("q").prefetch(List.of(SnpProduct.GENOA), List.of()));
    assertTrue(e.getMessage().contains("/vcek/v1/Genoa/crl: not found (HTTP 404)"), e.getMessage());
  }
}
