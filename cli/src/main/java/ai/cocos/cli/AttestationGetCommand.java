package ai.cocos.cli;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.attestation.EvidenceFile;
import ai.cocos.attestation.EvidenceFile.EvidenceFormatException;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AttestationRequest;
import ai.cocos.proto.agent.AttestationResponse;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli attestation get}: fetches evidence from the agent. */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header = "Get attestation evidence from the agent, bound to your nonce.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Asks the agent ($AGENT_GRPC_URL) for evidence of PLATFORM through its TEE provider, bound"
          + " to --tee (the SNP/TDX report data, up to 64 bytes) and --vtpm (the TPM quote's"
          + " nonce, up to 32 bytes), and writes it as a cocos-evidence file. Use fresh random"
          + " nonces and check them with 'attestation validate' (policy member report_data or"
          + " vtpm.nonce): the agent needs no signature for this call, the nonce is what makes"
          + " the evidence fresh.",
      "",
      "PLATFORM: snp, vtpm, snp-vtpm, azure, tdx, or emulated (the agent's stand-in on machines"
          + " without a TEE: emulated, not a real TEE)."
    },
    footerHeading = "%nExample:%n",
    footer = {"  cocos-cli attestation get snp --tee $(openssl rand -hex 64) -o evidence.json"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the evidence was written",
      "1:the agent refused or cannot be reached, or the file cannot be written",
      "2:usage error"
    })
final class AttestationGetCommand extends LocalCommand {
  /** CocosAI's attestation types, and 5 for the emulated provider. */
  static final Map<String, Integer> TYPES =
      Map.of("snp", 0, "vtpm", 1, "snp-vtpm", 2, "azure", 3, "tdx", 4, "emulated", 5);

  @Parameters(
      index = "0",
      paramLabel = "PLATFORM",
      description = "snp, vtpm, snp-vtpm, azure, tdx or emulated.")
  String platform;

  @Option(
      names = "--tee",
      paramLabel = "HEX",
      description = "Report data for SNP/TDX/Azure/emulated, hex, at most 64 bytes.")
  String tee;

  @Option(
      names = "--vtpm",
      paramLabel = "HEX",
      description = "Nonce of the TPM quote (vtpm, azure), hex, at most 32 bytes.")
  String vtpm;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Where to write the evidence (default: evidence.json).")
  Path output = Path.of("evidence.json");

  @Option(names = "--force", description = "Replace the file if it exists.")
  boolean force;

  @Option(
      names = "--agent",
      paramLabel = "HOST:PORT",
      description = "The agent's address (default: $AGENT_GRPC_URL, else localhost:7002).")
  String agent;

  @Option(
      names = {"-v", "--verbose"},
      description = "Say how the agent is reached and add the gRPC status to an error.")
  boolean verbose;

  @Override
  int run() throws Failure {
    Integer type = TYPES.get(platform);
    if (type == null) {
      throw usage(
          "PLATFORM: '" + platform + "' is not one of snp, vtpm, snp-vtpm, azure, tdx, emulated");
    }
    byte[] teeNonce = hex("--tee", tee, 64);
    byte[] vtpmNonce = hex("--vtpm", vtpm, 32);
    boolean needsTee = List.of("snp", "snp-vtpm", "tdx", "emulated").contains(platform);
    boolean needsVtpm = List.of("vtpm", "snp-vtpm").contains(platform);
    if (needsTee && tee == null) {
      throw usage(platform + " needs --tee HEX, the report data to bind (e.g. a fresh nonce)");
    }
    if (needsVtpm && vtpm == null) {
      throw usage(platform + " needs --vtpm HEX, the quote's nonce (e.g. a fresh nonce)");
    }
    Target override = null;
    if (agent != null) {
      try {
        override = Target.parse(agent);
      } catch (IllegalArgumentException e) {
        throw usage("--agent: " + e.getMessage());
      }
    }
    GrpcClient.Settings settings =
        GrpcClient.Settings.from(GrpcClient.Server.AGENT, Main.env(spec), override, "--agent");
    if (verbose) {
      err().println(settings.describe());
      err().flush();
    }
    byte[] file;
    try (GrpcClient client = GrpcClient.open(settings)) {
      AtomicReference<Metadata> headers = new AtomicReference<>();
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      AgentServiceGrpc.AgentServiceBlockingStub stub =
          AgentServiceGrpc.newBlockingStub(client.channel())
              .withDeadlineAfter(settings.timeout().toNanos(), TimeUnit.NANOSECONDS)
              .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
      try {
        Iterator<AttestationResponse> it =
            stub.attestation(
                AttestationRequest.newBuilder()
                    .setType(type)
                    .setTeeNonce(ByteString.copyFrom(teeNonce))
                    .setVtpmNonce(ByteString.copyFrom(vtpmNonce))
                    .build());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (it.hasNext()) {
          byte[] chunk = it.next().getFile().toByteArray();
          if (out.size() + chunk.length > EvidenceFile.MAX_BYTES) {
            throw new Failure(
                "the agent sent more than " + EvidenceFile.MAX_BYTES + " bytes of evidence");
          }
          out.write(chunk, 0, chunk.length);
        }
        file = out.toByteArray();
        String size = headers.get() == null ? null : headers.get().get(ResultCommand.FILE_SIZE);
        if (size != null && !size.strip().equals(Integer.toString(file.length))) {
          throw new Failure(
              "the evidence is incomplete: the agent announced "
                  + size.strip()
                  + " bytes (file-size) but sent "
                  + file.length
                  + "; try again");
        }
      } catch (StatusRuntimeException e) {
        String why =
            client
                .connectionProblem(e)
                .orElseGet(
                    () ->
                        "cannot get "
                            + platform
                            + " evidence: the agent answered "
                            + e.getStatus().getCode()
                            + (e.getStatus().getDescription() == null
                                ? ""
                                : ": " + e.getStatus().getDescription()));
        throw new Failure(
            verbose ? why + System.lineSeparator() + GrpcClient.details(e.getStatus()) : why);
      }
    }
    Evidence evidence;
    try {
      evidence = EvidenceFile.read(file);
    } catch (EvidenceFormatException e) {
      throw new Failure("the agent sent something that is not evidence: " + e.getMessage());
    }
    LocalFiles.write(output, file, false, force);
    boolean emulated = TeeProvider.EMULATED.equals(evidence.platform());
    if (emulated) {
      err().println(AttestationValidateCommand.EMULATED);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("path", output.toAbsolutePath().normalize().toString());
    summary.put("platform", evidence.platform());
    summary.put("bytes", file.length);
    out()
        .println(
            output.toAbsolutePath().normalize()
                + " ("
                + evidence.platform()
                + (emulated ? ", " + AttestationValidateCommand.EMULATED : "")
                + " evidence, "
                + file.length
                + " bytes)");
    out().flush();
    err().flush();
    return 0;
  }

  private byte[] hex(String option, String value, int max) {
    if (value == null) {
      return new byte[0];
    }
    String v = value.strip();
    if (v.startsWith("0x") || v.startsWith("0X")) {
      v = v.substring(2);
    }
    byte[] b;
    try {
      b = HexFormat.of().parseHex(v);
    } catch (IllegalArgumentException e) {
      throw usage(option + ": not hex (" + e.getMessage() + ")");
    }
    if (b.length > max) {
      throw usage(option + ": " + b.length + " bytes, at most " + max + " allowed");
    }
    return b;
  }
}
