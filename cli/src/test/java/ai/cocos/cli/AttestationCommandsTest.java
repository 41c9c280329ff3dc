package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.attestation.Json;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AttestationRequest;
import ai.cocos.proto.agent.AttestationResponse;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attestation validate}, {@code policy create} and {@code get}, in process, over the real
 * vectors in {@code /work/shared/attestation-vectors} (read in place; {@code
 * COCOS_ATTESTATION_VECTORS} overrides; missing: fail under {@code CI}, skip otherwise). Every run
 * is offline with an empty collateral cache of its own.
 */
class AttestationCommandsTest {
  @TempDir Path tmp;
  Path v;
  Map<String, String> env;

  static Path vectors() {
    String e = System.getenv("COCOS_ATTESTATION_VECTORS");
    Path d = Path.of(e != null && !e.isBlank() ? e : "/work/shared/attestation-vectors");
    if (!Files.isDirectory(d.resolve("snp"))) {
      String msg = "attestation vectors not found at " + d + " (set COCOS_ATTESTATION_VECTORS)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      assumeTrue(false, msg);
    }
    return d;
  }

  @BeforeEach
  void setUp() {
    v = vectors();
    env = Map.of("COCOS_COLLATERAL_CACHE", tmp.resolve("cache").toString());
  }

  Run run(String... args) {
    return Run.with(env, args);
  }

  /**
   * The Milan v2 vector's policy as {@code policy create} writes it, with the two edits a user
   * makes for this vector: no AMD CRL ships with the vectors, and the report allows debugging.
   */
  Path snpPolicy() throws Exception {
    Path p = tmp.resolve("snp-policy.json");
    Run r =
        run(
            "attestation",
            "policy",
            "create",
            "snp",
            "--from",
            v.resolve("snp/milan-v2-go-sev-guest/report.bin").toString(),
            "--certs",
            v.resolve("snp/milan-v2-go-sev-guest/vcek.der").toString(),
            "--at",
            "2025-01-01T00:00:00Z",
            "--offline",
            "-o",
            p.toString());
    assertEquals(0, r.exitCode(), r.toString());
    String text = Files.readString(p);
    assertTrue(
        text.contains(
            "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"),
        text);
    Files.writeString(p, text.replace("\"snp\": {", "\"snp\": {\n    \"check_crl\": false,"));
    return p;
  }

  String[] validateSnp(Path policy, String at, String... more) {
    List<String> a =
        new java.util.ArrayList<>(
            List.of(
                "attestation",
                "validate",
                v.resolve("snp/milan-v2-go-sev-guest/report.bin").toString(),
                "--platform",
                "snp",
                "--certs",
                v.resolve("snp/milan-v2-go-sev-guest/vcek.der").toString(),
                "--policy",
                policy.toString(),
                "--at",
                at,
                "--offline"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void snpPolicyCreateThenValidatePassesAtTheVectorsTimeAndFailsLater() throws Exception {
    Path p = snpPolicy();
    Run ok = run(validateSnp(p, "2025-01-01T00:00:00Z"));
    assertEquals(0, ok.exitCode(), ok.toString());
    assertTrue(ok.out().startsWith("PASS: snp evidence"), ok.out());
    assertTrue(ok.out().contains("ok    report.signature"), ok.out());
    assertFalse(ok.out().contains("emulated"), ok.out());

    // The VCEK expires 2029-09-24: at 2030 the chain does not hold.
    Run late = run(validateSnp(p, "2030-01-01"));
    assertEquals(1, late.exitCode(), late.toString());
    assertTrue(late.out().startsWith("FAIL: "), late.out());
    assertTrue(late.out().contains("FAIL  vcek.chain"), late.out());
  }

  @Test
  void everyFailedRuleShowsExpectedAndFoundInTextAndJson() throws Exception {
    Path p = snpPolicy();
    String other = "ab".repeat(48);
    Files.writeString(
        p,
        Files.readString(p)
            .replace(
                "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
                other));
    Run text = run(validateSnp(p, "2025-01-01T00:00:00Z"));
    assertEquals(1, text.exitCode(), text.toString());
    assertTrue(text.out().contains("FAIL  snp.measurements"), text.out());
    assertTrue(text.out().contains("expected: ") && text.out().contains(other), text.out());
    assertTrue(text.out().contains("found:    b07af962"), text.out());

    Run json = run(validateSnp(p, "2025-01-01T00:00:00Z", "--json"));
    assertEquals(1, json.exitCode(), json.toString());
    Map<?, ?> doc = (Map<?, ?>) Json.parse(json.out());
    assertEquals(Boolean.FALSE, doc.get("passed"));
    assertEquals(Boolean.FALSE, doc.get("emulated"));
    List<?> findings = (List<?>) doc.get("findings");
    Map<?, ?> failed =
        findings.stream()
            .map(f -> (Map<?, ?>) f)
            .filter(f -> Boolean.FALSE.equals(f.get("passed")))
            .findFirst()
            .orElseThrow();
    assertEquals("snp.measurements", failed.get("rule"));
    assertTrue(String.valueOf(failed.get("expected")).contains(other));
    assertTrue(String.valueOf(failed.get("found")).startsWith("b07af962"));
  }

  @Test
  void tdxQuoteWithItsCollateralPassesAtItsTimeAndNotAfterTheCollateralExpired() throws Exception {
    Path dir = v.resolve("tdx/v4-phala-full-collateral");
    Path p = tmp.resolve("tdx-policy.json");
    Run create =
        run(
            "attestation",
            "policy",
            "create",
            "tdx",
            "--from",
            dir.resolve("quote.dat").toString(),
            "-o",
            p.toString());
    assertEquals(0, create.exitCode(), create.toString());
    assertTrue(
        Files.readString(p)
            .contains(
                "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"));
    String[] args = {
      "attestation",
      "validate",
      dir.resolve("quote.dat").toString(),
      "--platform",
      "tdx",
      "--certs",
      dir.resolve("collateral.json").toString(),
      "--policy",
      p.toString(),
      "--offline",
      "--at",
      null
    };
    args[args.length - 1] = "2025-07-01T00:00:00Z";
    Run ok = run(args);
    assertEquals(0, ok.exitCode(), ok.toString());
    assertTrue(ok.out().startsWith("PASS: tdx evidence"), ok.out());
    args[args.length - 1] = "2026-01-01T00:00:00Z";
    Run expired = run(args);
    assertEquals(1, expired.exitCode(), expired.toString());
  }

  @Test
  void evidenceFilesRoundTripThroughValidate() throws Exception {
    Path p = snpPolicy();
    Map<String, byte[]> att = new LinkedHashMap<>();
    att.put("vcek", Files.readAllBytes(v.resolve("snp/milan-v2-go-sev-guest/vcek.der")));
    Path f = tmp.resolve("evidence.json");
    EvidenceFile.write(
        new Evidence(
            "snp", Files.readAllBytes(v.resolve("snp/milan-v2-go-sev-guest/report.bin")), att),
        f);
    Run ok =
        run(
            "attestation",
            "validate",
            f.toString(),
            "--policy",
            p.toString(),
            "--at",
            "2025-01-01",
            "--offline");
    assertEquals(0, ok.exitCode(), ok.toString());
  }

  @Test
  void emulatedEvidenceIsRejectedByAnSnpPolicyAndSaysSo() throws Exception {
    Path p = snpPolicy();
    // SNP-format evidence labelled emulated, as the emulated provider writes it.
    Map<String, byte[]> att = new LinkedHashMap<>();
    att.put("vcek", Files.readAllBytes(v.resolve("snp/milan-v2-go-sev-guest/vcek.der")));
    Path f = tmp.resolve("emulated.json");
    EvidenceFile.write(
        new Evidence(
            "emulated", Files.readAllBytes(v.resolve("snp/milan-v2-go-sev-guest/report.bin")), att),
        f);
    Run r =
        run(
            "attestation",
            "validate",
            f.toString(),
            "--platform",
            "snp",
            "--policy",
            p.toString(),
            "--at",
            "2025-01-01",
            "--offline");
    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(r.out().startsWith("!! emulated, not a real TEE !!"), r.out());
    assertTrue(r.err().contains("emulated, not a real TEE"), r.err());
    assertTrue(r.out().contains("FAIL  evidence.platform"), r.out());
  }

  @Test
  void usageAndInputErrorsNameTheProblem() throws Exception {
    Path p = snpPolicy();
    Run noPlatform =
        run(
            "attestation",
            "validate",
            v.resolve("snp/milan-v2-go-sev-guest/report.bin").toString(),
            "--policy",
            p.toString());
    assertEquals(1, noPlatform.exitCode(), noPlatform.toString());
    assertTrue(noPlatform.err().contains("give --platform"), noPlatform.err());
    Run badTime = run(validateSnp(p, "yesterday"));
    assertEquals(2, badTime.exitCode(), badTime.toString());
    assertTrue(badTime.err().contains("--at: 'yesterday'"), badTime.err());
    Path empty = tmp.resolve("empty.json");
    Files.writeString(empty, "{\"platform\": \"snp\"}");
    Run emptyPolicy = run(validateSnp(empty, "2025-01-01"));
    assertEquals(1, emptyPolicy.exitCode(), emptyPolicy.toString());
  }

  @Test
  void getSavesTheAgentsEvidenceAndChecksItsSize() throws Exception {
    byte[] file =
        EvidenceFile.write(
            new Evidence(
                "snp",
                Files.readAllBytes(v.resolve("snp/milan-v2-go-sev-guest/report.bin")),
                Map.of()));
    AtomicReference<AttestationRequest> seen = new AtomicReference<>();
    Metadata.Key<String> size = Metadata.Key.of("file-size", Metadata.ASCII_STRING_MARSHALLER);
    AgentServiceGrpc.AgentServiceImplBase impl =
        new AgentServiceGrpc.AgentServiceImplBase() {
          @Override
          public void attestation(
              AttestationRequest request, StreamObserver<AttestationResponse> out) {
            seen.set(request);
            if (request.getType() == 4) {
              out.onError(
                  Status.FAILED_PRECONDITION
                      .withDescription("no TEE provider for tdx is installed in this agent")
                      .asException());
              return;
            }
            out.onNext(
                AttestationResponse.newBuilder()
                    .setFile(ByteString.copyFrom(file, 0, 1000))
                    .build());
            out.onNext(
                AttestationResponse.newBuilder()
                    .setFile(ByteString.copyFrom(file, 1000, file.length - 1000))
                    .build());
            out.onCompleted();
          }
        };
    Metadata header = new Metadata();
    header.put(size, Integer.toString(file.length));
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                ServerInterceptors.intercept(
                    impl,
                    new io.grpc.ServerInterceptor() {
                      @Override
                      public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                          io.grpc.ServerCall<Q, R> call,
                          Metadata h,
                          io.grpc.ServerCallHandler<Q, R> next) {
                        return next.startCall(
                            new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                              @Override
                              public void sendHeaders(Metadata m) {
                                m.merge(header);
                                super.sendHeaders(m);
                              }
                            },
                            h);
                      }
                    }))
            .build()
            .start();
    try {
      Map<String, String> e = Map.of("AGENT_GRPC_URL", "127.0.0.1:" + server.getPort());
      String nonce = "0123456789abcdef".repeat(8);
      Path out = tmp.resolve("got.json");
      Run r = Run.with(e, "attestation", "get", "snp", "--tee", nonce, "-o", out.toString());
      assertEquals(0, r.exitCode(), r.toString());
      assertArrayEquals(file, Files.readAllBytes(out));
      assertEquals(0, seen.get().getType());
      assertEquals(nonce, HexFormat.of().formatHex(seen.get().getTeeNonce().toByteArray()));

      Run exists = Run.with(e, "attestation", "get", "snp", "--tee", nonce, "-o", out.toString());
      assertEquals(1, exists.exitCode(), exists.toString());
      Run refused =
          Run.with(
              e, "attestation", "get", "tdx", "--tee", "00", "-o", tmp.resolve("t").toString());
      assertEquals(1, refused.exitCode(), refused.toString());
      assertTrue(refused.err().contains("no TEE provider for tdx"), refused.err());
      Run tooLong = Run.with(e, "attestation", "get", "snp", "--tee", "00".repeat(65));
      assertEquals(2, tooLong.exitCode(), tooLong.toString());
      assertTrue(tooLong.err().contains("at most 64"), tooLong.err());
      Run missing = Run.with(e, "attestation", "get", "vtpm");
      assertEquals(2, missing.exitCode(), missing.toString());
      assertTrue(missing.err().contains("needs --vtpm"), missing.err());
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertTrue(new String(file, StandardCharsets.UTF_8).contains("cocos-evidence/1"));
  }
}
