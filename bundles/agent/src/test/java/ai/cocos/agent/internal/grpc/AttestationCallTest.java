package ai.cocos.agent.internal.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.cocos.agent.Agent;
import ai.cocos.agent.internal.TestAgents;
import ai.cocos.api.plugin.PluginInfo;
import ai.cocos.api.plugin.PluginRegistry;
import ai.cocos.api.runner.RunnerUnavailableException;
import ai.cocos.api.runner.WorkloadRunner;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AttestationRequest;
import ai.cocos.proto.agent.AttestationResponse;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.vtpm.VtpmPolicyTemplates;
import ai.cocos.tee.vtpm.VtpmProvider;
import ai.cocos.tee.vtpm.VtpmSettings;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code Attestation} RPC over real loopback gRPC, with a real TEE provider behind it: the vTPM
 * provider quoting a real software TPM (swtpm, installed by {@code scripts/setup.d/35-swtpm.sh}).
 * The evidence that arrives is verified by the same provider under a policy pinning the nonce sent,
 * and fails under another nonce. Providers come and go through a registry, as in the runtime.
 */
class AttestationCallTest {
  @TempDir static Path tpmDir;
  static Process swtpm;
  static String device;

  @TempDir Path tmp;
  Agent agent;
  TestEndpoint endpoint;
  ManagedChannel ch;
  final List<TeeProvider> installed = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startTpm() throws Exception {
    String exe = null;
    for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
      if (new File(d, "swtpm").canExecute()) {
        exe = d + "/swtpm";
      }
    }
    if (exe == null) {
      String msg = "swtpm is not installed (scripts/setup.d/35-swtpm.sh installs it)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      assumeTrue(false, msg);
    }
    Path sock = tpmDir.resolve("tpm.sock");
    swtpm =
        new ProcessBuilder(
                exe,
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + Files.createDirectories(tpmDir.resolve("state")),
                "--server",
                "type=unixio,path=" + sock,
                "--ctrl",
                "type=unixio,path=" + tpmDir.resolve("ctrl.sock"),
                "--flags",
                "not-need-init,startup-clear")
            .redirectErrorStream(true)
            .redirectOutput(tpmDir.resolve("swtpm.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!accepts(sock)) {
      if (!swtpm.isAlive() || System.nanoTime() > deadline) {
        swtpm.destroyForcibly();
        throw new IOException(
            "swtpm did not come up: " + Files.readString(tpmDir.resolve("swtpm.log")));
      }
      Thread.sleep(20);
    }
    device = "unix:" + sock;
  }

  private static boolean accepts(Path sock) {
    if (!Files.exists(sock)) {
      return false;
    }
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return c.connect(UnixDomainSocketAddress.of(sock));
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  static void stopTpm() throws Exception {
    if (swtpm != null) {
      swtpm.destroy();
      if (!swtpm.waitFor(5, TimeUnit.SECONDS)) {
        swtpm.destroyForcibly();
      }
    }
  }

  @BeforeEach
  void start() throws Exception {
    agent = TestAgents.start(tmp.resolve("work"), TestAgents.processRunner(), 64L << 20);
    endpoint = new TestEndpoint(new AgentGrpcService(agent, registry()));
    ch = PartyClient.plaintext(endpoint.port);
  }

  @AfterEach
  void stop() throws Exception {
    PartyClient.shutdown(ch);
    endpoint.close();
    TestAgents.stop(agent);
  }

  VtpmProvider vtpm() {
    return new VtpmProvider(
        VtpmSettings.defaults().withDevice(device).withEventLog(tmp.resolve("no-event-log")));
  }

  /** A call's outcome: the evidence file's bytes and the file-size header. */
  record Answer(byte[] file, String fileSize, int messages) {}

  Answer attest(int type, byte[] tee, byte[] vtpmNonce) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    AgentServiceGrpc.AgentServiceBlockingStub stub =
        AgentServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    Iterator<AttestationResponse> it =
        stub.attestation(
            AttestationRequest.newBuilder()
                .setType(type)
                .setTeeNonce(ByteString.copyFrom(tee))
                .setVtpmNonce(ByteString.copyFrom(vtpmNonce))
                .build());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 0;
    while (it.hasNext()) {
      byte[] chunk = it.next().getFile().toByteArray();
      out.write(chunk, 0, chunk.length);
      n++;
    }
    return new Answer(
        out.toByteArray(),
        headers.get().get(Metadata.Key.of("file-size", Metadata.ASCII_STRING_MARSHALLER)),
        n);
  }

  Status refusal(int type, byte[] tee, byte[] vtpmNonce) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> attest(type, tee, vtpmNonce));
    return e.getStatus();
  }

  static void assertStatus(Status.Code code, String text, Status s) {
    assertEquals(code, s.getCode(), s.toString());
    assertTrue(s.getDescription() != null && s.getDescription().contains(text), s.toString());
  }

  @Test
  void vtpmEvidenceIsBoundToTheNonceAndVerifies() throws Exception {
    installed.add(vtpm());
    byte[] nonce =
        HexFormat.of().parseHex("00112233445566778899aabbccddeeff0123456789abcdef0011223344556677");
    Answer a = attest(AttestationCall.VTPM, new byte[0], nonce);
    assertEquals(Integer.toString(a.file().length), a.fileSize());
    Evidence e = EvidenceFile.read(a.file());
    assertEquals(TeeProvider.VTPM, e.platform());

    // The same provider verifies what came over the wire, pinning the nonce sent.
    Instant now = Instant.now();
    Policy pinned = VtpmPolicyTemplates.fromEvidence(e, now);
    Map<String, Object> rules = new LinkedHashMap<>(pinned.rules());
    @SuppressWarnings("unchecked")
    Map<String, Object> section = new HashMap<>((Map<String, Object>) rules.get("vtpm"));
    section.put("nonce", HexFormat.of().formatHex(nonce));
    rules.put("vtpm", section);
    Verdict ok = vtpm().verify(new VerificationRequest(e, new Policy("vtpm", rules), now, true));
    assertTrue(ok.passed(), ok.failures().toString());
    assertFalse(ok.emulated());

    // Another nonce: the quote does not answer it.
    section.put("nonce", "ff".repeat(32));
    Verdict replay =
        vtpm().verify(new VerificationRequest(e, new Policy("vtpm", rules), now, true));
    assertFalse(replay.passed());
    assertTrue(
        replay.failures().stream().anyMatch(f -> f.rule().contains("nonce")),
        replay.failures().toString());
  }

  @Test
  void noncesLongerThanCocosAllowsAreRefused() {
    installed.add(vtpm());
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "malformed report data, expect less or equal to 64 bytes",
        refusal(AttestationCall.SNP, new byte[65], new byte[0]));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "expect less or equal to 32 bytes",
        refusal(AttestationCall.VTPM, new byte[0], new byte[33]));
  }

  @Test
  void unknownAndCombinedTypesAreRefusedNamingTheChoices() {
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "invalid attestation type 9",
        refusal(9, new byte[0], new byte[0]));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "attestation type not supported: 2",
        refusal(AttestationCall.SNP_VTPM, new byte[0], new byte[0]));
  }

  @Test
  void aMissingProviderNamesTheInstalledOnes() {
    installed.add(vtpm());
    assertStatus(
        Status.Code.FAILED_PRECONDITION,
        "no TEE provider for snp is installed in this agent (installed: vtpm)",
        refusal(AttestationCall.SNP, new byte[64], new byte[0]));
    installed.clear();
    assertStatus(
        Status.Code.FAILED_PRECONDITION,
        "(installed: none)",
        refusal(AttestationCall.TDX, new byte[64], new byte[0]));
  }

  @Test
  void aProviderThatCannotGatherHereSaysWhy() throws Exception {
    // The real SEV-SNP provider on a machine that is no SNP guest.
    Path none = tmp.resolve("absent");
    installed.add(
        new SnpProvider(
            ai.cocos.tee.snp.SnpSettings.defaults()
                .withCollateralCache(tmp.resolve("cache"))
                .withGuest(none.resolve("tsm"), none.resolve("sev-guest"))));
    Status s = refusal(AttestationCall.SNP, new byte[64], new byte[0]);
    assertStatus(Status.Code.FAILED_PRECONDITION, "failed to get snp evidence from the TEE", s);
    assertTrue(s.getDescription().contains("not an SEV-SNP guest"), s.toString());
  }

  @Test
  void emulatedEvidenceIsNeverServedForSnp() {
    TeeProvider emulated = new LabelledProvider(TeeProvider.EMULATED);
    installed.add(emulated);
    Status s = refusal(AttestationCall.SNP, new byte[64], new byte[0]);
    assertStatus(Status.Code.FAILED_PRECONDITION, "no TEE provider for snp", s);
    assertTrue(
        s.getDescription().contains("emulated (type 5; emulated, not a real TEE)"), s.toString());
    Answer a = attest(AttestationCall.EMULATED, new byte[] {1, 2, 3}, new byte[0]);
    assertNotNull(a.file());
  }

  /**
   * Stands in for a provider of another platform only to test the registry lookup; it gathers
   * nothing a verifier would accept (its "report" is the report data it was given).
   */
  private static final class LabelledProvider implements TeeProvider {
    private final String platform;

    LabelledProvider(String platform) {
      this.platform = platform;
    }

    @Override
    public String platform() {
      return platform;
    }

    @Override
    public boolean canGather() {
      return true;
    }

    @Override
    public Evidence gather(ai.cocos.api.tee.EvidenceRequest request) {
      return new Evidence(platform, request.reportData(), Map.of());
    }

    @Override
    public Verdict verify(VerificationRequest request) {
      return new Verdict(platform, true, List.of(), Map.of());
    }
  }

  PluginRegistry registry() {
    return new PluginRegistry() {
      @Override
      public List<PluginInfo> plugins() {
        return List.of();
      }

      @Override
      public WorkloadRunner runner(String type) throws RunnerUnavailableException {
        throw new RunnerUnavailableException("runner '" + type + "' is not installed");
      }

      @Override
      public Optional<TeeProvider> teeProvider(String platform) {
        return installed.stream().filter(p -> p.platform().equals(platform)).findFirst();
      }

      @Override
      public List<TeeProvider> teeProviders() {
        return List.copyOf(installed);
      }
    };
  }
}
