package ai.cocos.attestation.collateral;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.attestation.Vectors;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache, the fetcher against a real HTTP server on loopback serving vector files, bundles. */
class CollateralTest {
  @TempDir Path tmp;
  HttpServer server;
  URI base;
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  byte[] vcek;
  byte[] tcbInfo;
  String issuerChainPem;
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void serve() throws Exception {
    vcek = Vectors.read("snp/milan-v2-go-sev-guest/vcek.der");
    tcbInfo = Vectors.read("tdx/v4-spr-go-tdx-guest/collateral/tcb_info.json");
    issuerChainPem =
        Files.readString(
            Vectors.dir().resolve("tdx/v4-spr-go-tdx-guest/collateral/tcb_info_issuer_chain.pem"));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().toString();
          hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
          byte[] body;
          int status = 200;
          if (path.startsWith("/vcek/v1/Milan/")) {
            body = vcek;
          } else if (path.startsWith("/tdx/certification/v4/tcb")) {
            body = tcbInfo;
            ex.getResponseHeaders()
                .add(
                    "TCB-Info-Issuer-Chain",
                    URLEncoder.encode(issuerChainPem, StandardCharsets.UTF_8));
            ex.getResponseHeaders().add("Set-Cookie", "secret=1");
          } else if (path.startsWith("/slow")) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            body = vcek;
          } else if (path.startsWith("/limited")) {
            status = 429;
            ex.getResponseHeaders().add("Retry-After", "60");
            body = new byte[0];
          } else {
            status = 404;
            body = new byte[0];
          }
          ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  Collateral collateral() {
    return new Collateral(new CollateralCache(tmp.resolve("cache")), new HttpCollateralFetcher());
  }

  @Test
  void fetchesOnAMissAndNeverAgain() throws Exception {
    URI url = base.resolve("/vcek/v1/Milan/abcd?blSPL=02&teeSPL=00&snpSPL=05&ucodeSPL=68");
    Collateral c = collateral();
    assertArrayEquals(vcek, c.get(url, false).body());
    assertArrayEquals(vcek, c.get(url, false).body());
    // A new process (new instance, same folder) reads the file and does not fetch either.
    assertArrayEquals(vcek, collateral().get(url, false).body());
    assertArrayEquals(vcek, collateral().get(url, true).body());
    assertEquals(1, hits.get(url.getRawPath() + "?" + url.getRawQuery()).get());
    assertTrue(Files.exists(tmp.resolve("cache").resolve(CollateralCache.key(url) + ".bin")));
  }

  @Test
  void offlineMissesSayWhatToDo() {
    CollateralException e =
        assertThrows(
            CollateralException.class,
            () -> collateral().get(base.resolve("/vcek/v1/Milan/x"), true));
    assertTrue(
        e.getMessage().contains("is not in the collateral cache")
            && e.getMessage().contains("import a collateral bundle"),
        e.getMessage());
    assertTrue(hits.isEmpty(), "offline never fetches");
  }

  @Test
  void refetchesStaleItemsOnlyOnline() throws Exception {
    URI url = base.resolve("/vcek/v1/Milan/stale");
    Collateral c = collateral();
    c.get(url, false);
    c.get(url, false, i -> false);
    assertEquals(2, hits.get("/vcek/v1/Milan/stale").get());
    // Offline, the stale copy is returned for the provider to judge.
    assertArrayEquals(vcek, c.get(url, true, i -> false).body());
    assertEquals(2, hits.get("/vcek/v1/Milan/stale").get());
  }

  @Test
  void keepsCollateralHeadersAndDecodesIntelIssuerChains() throws Exception {
    IntelPcs pcs = new IntelPcs(base, base);
    URI url = pcs.tdxTcbInfo(new byte[] {0x50, (byte) 0x80, 0x6f, 0, 0, 0});
    assertEquals(
        "/tdx/certification/v4/tcb?fmspc=50806f000000", url.getRawPath() + "?" + url.getRawQuery());
    CollateralItem i = collateral().get(url, false);
    assertArrayEquals(tcbInfo, i.body());
    assertFalse(i.header("set-cookie").isPresent(), "only collateral headers are kept");
    // Read back from disk in another instance: headers survive.
    CollateralItem again = new CollateralCache(tmp.resolve("cache")).get(url).orElseThrow();
    List<X509Certificate> chain = IntelPcs.issuerChain(again, IntelPcs.TCB_INFO_ISSUER_CHAIN);
    assertEquals(2, chain.size());
    assertTrue(chain.get(0).getSubjectX500Principal().getName().contains("Intel SGX TCB Signing"));
  }

  @Test
  void namesHttpFailures() {
    CollateralException e =
        assertThrows(
            CollateralException.class, () -> collateral().get(base.resolve("/limited"), false));
    assertTrue(
        e.getMessage().contains("rate-limited by the service (HTTP 429), retry after 60 s"),
        e.getMessage());
    e =
        assertThrows(
            CollateralException.class, () -> collateral().get(base.resolve("/nothing"), false));
    assertTrue(
        e.getMessage().endsWith("not found (HTTP 404): the service has no such item"),
        e.getMessage());
    e =
        assertThrows(
            CollateralException.class,
            () -> new HttpCollateralFetcher().fetch(URI.create("file:///etc/passwd")));
    assertTrue(e.getMessage().contains("only http and https"), e.getMessage());
  }

  @Test
  void concurrentMissesShareOneFetch() throws Exception {
    Collateral c = collateral();
    URI url = base.resolve("/slow/one");
    List<Thread> threads = new ArrayList<>();
    List<byte[]> got = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 4; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  got.add(c.get(url, false).body());
                } catch (CollateralException e) {
                  throw new AssertionError(e);
                }
              });
      t.start();
      threads.add(t);
    }
    Thread.sleep(300);
    release.countDown();
    for (Thread t : threads) {
      t.join(10_000);
    }
    assertEquals(4, got.size());
    assertEquals(1, hits.get("/slow/one").get());
  }

  @Test
  void damagedEntriesAreMisses() throws Exception {
    CollateralCache cache = new CollateralCache(tmp.resolve("cache"));
    URI url = URI.create("https://kdsintf.amd.com/vcek/v1/Milan/x");
    cache.put(new CollateralItem(url, vcek, Map.of(), Instant.EPOCH));
    Path bin = tmp.resolve("cache").resolve(CollateralCache.key(url) + ".bin");
    byte[] b = Files.readAllBytes(bin);
    b[10] ^= 1;
    Files.write(bin, b);
    assertTrue(new CollateralCache(tmp.resolve("cache")).get(url).isEmpty());
  }

  @Test
  void bundlesRoundTripAsFolderAndZip() throws Exception {
    CollateralCache cache = new CollateralCache(tmp.resolve("cache"));
    URI a = URI.create("https://kdsintf.amd.com/vcek/v1/Milan/cert_chain");
    URI b =
        URI.create(
            "https://api.trustedservices.intel.com/tdx/certification/v4/tcb?fmspc=50806f000000");
    cache.put(new CollateralItem(a, vcek, Map.of(), Instant.parse("2026-01-01T00:00:00Z")));
    cache.put(
        new CollateralItem(
            b,
            tcbInfo,
            Map.of("TCB-Info-Issuer-Chain", "x"),
            Instant.parse("2026-01-01T00:00:00Z")));
    assertEquals(
        1,
        CollateralBundle.export(
            cache, tmp.resolve("amd.zip"), u -> u.getHost().equals("kdsintf.amd.com")));
    assertEquals(2, CollateralBundle.export(cache, tmp.resolve("all"), u -> true));

    CollateralCache fresh = new CollateralCache(tmp.resolve("fresh"));
    assertEquals(1, CollateralBundle.importInto(tmp.resolve("amd.zip"), fresh));
    assertArrayEquals(vcek, fresh.get(a).orElseThrow().body());
    assertTrue(fresh.get(b).isEmpty());
    assertEquals(2, CollateralBundle.importInto(tmp.resolve("all"), fresh));
    assertEquals(
        "x",
        new CollateralCache(tmp.resolve("fresh"))
            .get(b)
            .orElseThrow()
            .header("tcb-info-issuer-chain")
            .orElseThrow());
    // Offline verification straight from the bundle folder.
    assertArrayEquals(tcbInfo, Collateral.offline(tmp.resolve("all")).get(b, true).body());
  }

  @Test
  void refusesTamperedBundlesAndIgnoresForeignZipEntries() throws Exception {
    CollateralCache cache = new CollateralCache(tmp.resolve("cache"));
    URI a = URI.create("https://kdsintf.amd.com/vcek/v1/Genoa/cert_chain");
    cache.put(new CollateralItem(a, vcek, Map.of(), Instant.EPOCH));
    String key = CollateralCache.key(a);
    Path zip = tmp.resolve("evil.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      z.putNextEntry(new ZipEntry("../../escape.bin"));
      z.write(new byte[] {1});
      z.putNextEntry(new ZipEntry("bundle/" + key + ".json"));
      z.write(Files.readAllBytes(tmp.resolve("cache").resolve(key + ".json")));
      z.putNextEntry(new ZipEntry("bundle/" + key + ".bin"));
      byte[] bad = vcek.clone();
      bad[0] ^= 1;
      z.write(bad);
    }
    CollateralException e =
        assertThrows(
            CollateralException.class,
            () -> CollateralBundle.importInto(zip, new CollateralCache(tmp.resolve("x"))));
    assertTrue(e.getMessage().contains("does not match its SHA-256"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("escape.bin")));
    assertFalse(Files.exists(tmp.getParent().resolve("escape.bin")));
  }
}
