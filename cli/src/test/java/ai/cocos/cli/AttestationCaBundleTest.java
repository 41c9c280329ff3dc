package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ca-bundle} against a real HTTP server on loopback standing in for AMD's KDS (serving the
 * vectors' VCEK and AMD's published chains; there is no AMD CRL among the vectors, so the CRL is
 * missing and reported), then {@code attestation validate --offline} from the bundle alone.
 */
class AttestationCaBundleTest {
  @TempDir Path tmp;
  Path v;
  HttpServer kds;
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

  @BeforeEach
  void serve() throws Exception {
    v = AttestationCommandsTest.vectors();
    kds = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    kds.createContext(
        "/",
        x -> {
          String path = x.getRequestURI().getPath();
          hits.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
          Path body =
              switch (path) {
                case "/vcek/v1/Milan/cert_chain" -> v.resolve("roots/amd/milan_ask_ark.pem");
                case "/vlek/v1/Milan/cert_chain" -> v.resolve("roots/amd/milan_asvk_ark.pem");
                default ->
                    path.startsWith("/vcek/v1/Milan/3ac3fe21")
                        ? v.resolve("snp/milan-v2-go-sev-guest/vcek.der")
                        : null;
              };
          if (body == null) {
            x.sendResponseHeaders(404, -1);
          } else {
            byte[] b = Files.readAllBytes(body);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
          }
          x.close();
        });
    kds.start();
  }

  @AfterEach
  void stop() {
    kds.stop(0);
  }

  Map<String, String> env(String cache) {
    Map<String, String> e = new HashMap<>();
    e.put("COCOS_COLLATERAL_CACHE", tmp.resolve(cache).toString());
    e.put("COCOS_AMD_KDS_URL", "http://127.0.0.1:" + kds.getAddress().getPort());
    return e;
  }

  @Test
  void bundleFromEvidenceVerifiesOfflineOnAnotherMachineAndNothingIsFetchedTwice()
      throws Exception {
    String report = v.resolve("snp/milan-v2-go-sev-guest/report.bin").toString();
    Path zip = tmp.resolve("bundle.zip");
    Run made =
        Run.with(
            env("online-cache"),
            "ca-bundle",
            "Milan",
            "--evidence",
            report,
            "--platform",
            "snp",
            "--at",
            "2025-01-01",
            "-o",
            zip.toString());
    // Everything but the CRL, which this KDS does not have: the command says so and exits 1.
    assertEquals(1, made.exitCode(), made.toString());
    assertTrue(made.err().contains("crl"), made.err());
    assertTrue(Files.size(zip) > 0);
    assertEquals(1, vcekHits(), hits.toString());
    assertEquals(1, hits.get("/vcek/v1/Milan/cert_chain").get(), hits.toString());

    // Again: the VCEK and chain come from the cache, not the service.
    Run again =
        Run.with(
            env("online-cache"),
            "ca-bundle",
            "Milan",
            "--evidence",
            report,
            "--platform",
            "snp",
            "--at",
            "2025-01-01",
            "-o",
            tmp.resolve("again").toString());
    assertEquals(1, again.exitCode(), again.toString());
    assertEquals(1, vcekHits(), hits.toString());
    assertEquals(1, hits.get("/vcek/v1/Milan/cert_chain").get(), hits.toString());
    assertTrue(Files.list(tmp.resolve("again")).count() >= 2);

    // The air-gapped machine: an empty cache of its own, the bundle, no network. A version 2
    // report names no product: the verifier is told (attachment "product").
    Path hint = Files.writeString(tmp.resolve("product"), "Milan");
    Path policy = tmp.resolve("policy.json");
    Run p =
        Run.with(
            env("offline-cache"),
            "attestation",
            "policy",
            "create",
            "snp",
            "--from",
            report,
            "--attach",
            "product=" + hint,
            "--at",
            "2025-01-01",
            "--offline",
            "--collateral",
            zip.toString(),
            "-o",
            policy.toString());
    assertEquals(0, p.exitCode(), p.toString());
    Files.writeString(
        policy,
        Files.readString(policy).replace("\"snp\": {", "\"snp\": {\n    \"check_crl\": false,"));
    int before = hits.values().stream().mapToInt(AtomicInteger::get).sum();
    Run ok =
        Run.with(
            env("offline-cache"),
            "attestation",
            "validate",
            report,
            "--attach",
            "product=" + hint,
            "--platform",
            "snp",
            "--policy",
            policy.toString(),
            "--at",
            "2025-01-01",
            "--offline",
            "--collateral",
            zip.toString());
    assertEquals(0, ok.exitCode(), ok.toString());
    assertTrue(ok.out().contains("ok    vcek.source"), ok.out());
    assertEquals(before, hits.values().stream().mapToInt(AtomicInteger::get).sum());

    // Without the bundle, offline: the VCEK is missing, and the verdict says where to get it.
    Run without =
        Run.with(
            env("empty-cache"),
            "attestation",
            "validate",
            report,
            "--attach",
            "product=" + hint,
            "--platform",
            "snp",
            "--policy",
            policy.toString(),
            "--at",
            "2025-01-01",
            "--offline");
    assertEquals(1, without.exitCode(), without.toString());
    assertTrue(without.out().contains("offline"), without.out());
  }

  @Test
  void productChainsAreSavedIntoAFolder() throws Exception {
    Path dir = tmp.resolve("amd");
    Run r = Run.with(env("cache"), "ca-bundle", "Milan", "-o", dir.toString());
    assertEquals(1, r.exitCode(), r.toString()); // no CRLs on this KDS
    assertTrue(r.out().contains("2 items"), r.out());
    assertEquals(
        List.of(1, 1),
        List.of(
            hits.get("/vcek/v1/Milan/cert_chain").get(),
            hits.get("/vlek/v1/Milan/cert_chain").get()));
    Run usage = Run.with(env("cache"), "ca-bundle", "Rome", "-o", dir.toString());
    assertEquals(2, usage.exitCode(), usage.toString());
  }

  private int vcekHits() {
    return hits.entrySet().stream()
        .filter(e -> e.getKey().startsWith("/vcek/v1/Milan/3ac3"))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }
}
