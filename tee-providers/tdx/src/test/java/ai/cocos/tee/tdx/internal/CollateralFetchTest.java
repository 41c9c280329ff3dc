package ai.cocos.tee.tdx.internal;

import static ai.cocos.tee.tdx.internal.TdxFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Json;
import ai.cocos.attestation.collateral.IntelPcs;
import ai.cocos.tee.tdx.TdxProvider;
import ai.cocos.tee.tdx.TdxSettings;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Collateral through the shared cache and fetcher, against a real HTTP server on loopback that
 * serves the Phala vector's Intel collateral at Intel PCS v4 paths, with the issuer chains
 * URL-encoded in the response headers as PCS sends them.
 */
class CollateralFetchTest {
  private HttpServer server;
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private IntelPcs pcs;

  @TempDir Path cache;

  @BeforeEach
  void serve() throws Exception {
    Map<?, ?> c =
        (Map<?, ?>)
            Json.parse(
                new String(
                    Vectors.read("tdx/v4-phala-full-collateral/collateral.json"),
                    StandardCharsets.UTF_8));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String tcb =
        "{\"tcbInfo\":"
            + c.get("tcb_info")
            + ",\"signature\":\""
            + c.get("tcb_info_signature")
            + "\"}";
    String qe =
        "{\"enclaveIdentity\":"
            + c.get("qe_identity")
            + ",\"signature\":\""
            + c.get("qe_identity_signature")
            + "\"}";
    route(
        "/tdx/certification/v4/tcb",
        tcb.getBytes(StandardCharsets.UTF_8),
        "TCB-Info-Issuer-Chain",
        (String) c.get("tcb_info_issuer_chain"));
    route(
        "/tdx/certification/v4/qe/identity",
        qe.getBytes(StandardCharsets.UTF_8),
        "SGX-Enclave-Identity-Issuer-Chain",
        (String) c.get("qe_identity_issuer_chain"));
    route(
        "/sgx/certification/v4/pckcrl",
        HexFormat.of().parseHex((String) c.get("pck_crl")),
        "SGX-PCK-CRL-Issuer-Chain",
        (String) c.get("pck_crl_issuer_chain"));
    route(
        "/IntelSGXRootCA.der", HexFormat.of().parseHex((String) c.get("root_ca_crl")), null, null);
    server.start();
    URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    pcs = new IntelPcs(base, base);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void route(String path, byte[] body, String header, String pem) {
    hits.put(path, new AtomicInteger());
    server.createContext(
        path,
        ex -> {
          hits.get(path).incrementAndGet();
          if (header != null) {
            ex.getResponseHeaders().add(header, urlEncode(pem));
          }
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
  }

  /** Percent-encodes everything but unreserved characters, as Intel PCS does. */
  private static String urlEncode(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      char ch = (char) (x & 0xff);
      if (Character.isLetterOrDigit(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
        b.append(ch);
      } else {
        b.append(String.format("%%%02X", x & 0xff));
      }
    }
    return b.toString();
  }

  private TdxProvider provider(boolean fetch) {
    TdxSettings s = TdxSettings.defaults().withPcs(pcs).withCollateralCache(cache);
    return new TdxProvider(fetch ? s : s.offline());
  }

  private int requests() {
    return hits.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private static Verdict verify(TdxProvider p, Evidence e, boolean offline, Instant at) {
    return p.verify(new VerificationRequest(e, pinMrtd(e), at, offline));
  }

  private static Evidence bareQuote() {
    return new Evidence("tdx", Vectors.read("tdx/v4-phala-full-collateral/quote.dat"), Map.of());
  }

  @Test
  void onlineMissFetchesOnceThenTheCacheAnswers() {
    Evidence e = bareQuote();
    Verdict v = verify(provider(true), e, false, PHALA_AT);
    assertTrue(v.passed(), describe(v));
    assertEquals(4, requests(), hits.toString());
    assertTrue(finding(v, "collateral.tcb_info").found().contains(pcs.base().toString()));

    // Same process and a new one (new provider, same folder): no request at all.
    assertTrue(verify(provider(true), e, false, PHALA_AT).passed());
    assertEquals(4, requests());
  }

  @Test
  void offlineVerificationUsesOnlyTheCache() {
    Evidence e = bareQuote();
    Verdict missing = verify(provider(true), e, true, PHALA_AT);
    assertFalse(missing.passed());
    assertEquals(0, requests());
    assertTrue(
        finding(missing, "collateral.tcb_info").message().contains("verification is offline"),
        describe(missing));
    assertEquals(
        List.of(
            "collateral.pck_crl",
            "collateral.qe_identity",
            "collateral.root_ca_crl",
            "collateral.tcb_info",
            "qe.identity",
            "tdx.accepted_tcb_status"),
        List.copyOf(failed(missing)));

    assertTrue(verify(provider(true), e, false, PHALA_AT).passed());
    int fetched = requests();
    Verdict offline = verify(provider(false), e, true, PHALA_AT);
    assertTrue(offline.passed(), describe(offline));
    assertEquals(fetched, requests());
  }

  @Test
  void staleCachedCollateralIsFetchedAgainOnlineAndReportedOffline() {
    Evidence e = bareQuote();
    assertTrue(verify(provider(true), e, false, PHALA_AT).passed());
    assertEquals(4, requests());
    Instant later = Instant.parse("2025-08-01T00:00:00Z");
    // Online: the cached TCB info, QE identity and PCK CRL are past their next update, so they are
    // fetched again (the server only has the same ones, which the verdict then calls expired).
    Verdict online = verify(provider(true), e, false, later);
    assertEquals(7, requests(), hits.toString());
    assertTrue(finding(online, "collateral.tcb_info").message().contains("expired"));
    // Offline: nothing is fetched; the stale items are used and named as expired.
    Verdict offline = verify(provider(true), e, true, later);
    assertEquals(7, requests());
    assertTrue(finding(offline, "collateral.pck_crl").message().contains("expired"));
  }

  @Test
  void attachmentsTakePrecedenceOverTheCache() {
    Verdict v = verify(provider(true), phala(), false, PHALA_AT);
    assertTrue(v.passed(), describe(v));
    assertEquals(0, requests());
    assertTrue(finding(v, "collateral.tcb_info").found().contains("attachment collateral"));
  }
}
