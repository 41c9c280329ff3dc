package ai.cocos.cli;

import ai.cocos.proto.manager.CreateReq;
import ai.cocos.proto.manager.CreateRes;
import ai.cocos.proto.manager.ManagerServiceGrpc;
import ai.cocos.transport.grpc.GoDuration;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cocos-cli create-vm}: asks the manager to start a CVM with an agent. */
@Command(
    name = "create-vm",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Create a confidential VM whose agent runs a registered computation.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Asks the manager to start a CVM with an agent, bound to the computation --computation"
          + " names (registered with 'computations create'): the agent receives its manifest"
          + " when it dials in. Prints the new VM's id and the host port forwarded to the"
          + " agent (what AGENT_GRPC_URL points the uploads at).",
      "",
      "As with CocosAI, --server-url sends the agent to another computation server (CVMS)"
          + " instead of the manager, and --server-ca, --client-key and --client-crt give it"
          + " the TLS files for that connection. The AWS and KBS options configure where the"
          + " agent fetches remote (encrypted) assets and their keys."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  cocos-cli create-vm --computation lr-2026-01 --ttl 2h",
      "  id: 5b0c5f3e-...",
      "  port: 6100"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the VM was created",
      "1:a file cannot be read, no such computation, the maximum number of VMs is reached, the"
          + " manager refused or cannot be reached",
      "2:usage error"
    })
final class CreateVmCommand extends ManagerCommand {
  @Option(
      names = "--computation",
      paramLabel = "ID",
      description = "The registered computation the VM's agent runs.")
  String computation;

  @Option(
      names = "--server-url",
      paramLabel = "HOST:PORT",
      description =
          "Where the agent dials its computation server (CVMS); default: the manager itself.")
  String serverUrl;

  @Option(
      names = "--server-ca",
      paramLabel = "FILE",
      description = "CA certificate(s) the agent trusts for the CVMS's TLS (PEM).")
  Path serverCa;

  @Option(
      names = "--client-key",
      paramLabel = "FILE",
      description = "The agent's private key for mutual TLS to the CVMS (PEM).")
  Path clientKey;

  @Option(
      names = "--client-crt",
      paramLabel = "FILE",
      description = "The agent's certificate for mutual TLS to the CVMS (PEM).")
  Path clientCrt;

  @Option(
      names = "--ca-url",
      paramLabel = "URL",
      description = "The certificate authority service that issues the agent's certificates.")
  String caUrl;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "The agent's log level: debug, info (the default), warn or error.")
  String logLevel;

  @Option(
      names = "--ttl",
      paramLabel = "DURATION",
      converter = GoDurationConverter.class,
      description = "Remove the VM after this long, for example 1h30m or 90s (default: never).")
  Duration ttl;

  @Option(
      names = "--aws-access-key-id",
      paramLabel = "ID",
      description = "AWS access key id for the agent's S3 downloads.")
  String awsAccessKeyId;

  @Option(
      names = "--aws-secret-access-key",
      paramLabel = "KEY",
      description = "AWS secret access key (visible to other local users in the process list).")
  String awsSecretAccessKey;

  @Option(
      names = "--aws-endpoint-url",
      paramLabel = "URL",
      description = "S3 endpoint, for example of a MinIO server.")
  String awsEndpointUrl;

  @Option(names = "--aws-region", paramLabel = "REGION", description = "AWS region.")
  String awsRegion;

  @Option(
      names = "--aa-kbs-params",
      paramLabel = "PARAMS",
      description =
          "Attestation agent KBS parameters, for example"
              + " protocol=http,type=kbs,url=http://kbs:8080, or type=sample.")
  String aaKbsParams;

  @Option(
      names = "--json",
      description = "Print one JSON object: {\"cvm_id\": ..., \"forwarded_port\": ...}.")
  boolean json;

  private CreateReq request;

  @Override
  void prepare() throws Failure {
    if (computation == null && serverUrl == null) {
      throw usage(
          "give --computation ID (a computation registered with 'cocos-cli computations"
              + " create'), or --server-url for an agent that dials another CVMS");
    }
    if (computation != null && computation.isBlank()) {
      throw usage("--computation: the id is empty");
    }
    if ((clientKey == null) != (clientCrt == null)) {
      throw usage("--client-key and --client-crt go together: the agent's mutual TLS needs both");
    }
    CreateReq.Builder b = CreateReq.newBuilder();
    if (computation != null) {
      b.setComputationId(computation);
    }
    if (serverUrl != null) {
      b.setAgentCvmServerUrl(serverUrl);
    }
    if (serverCa != null) {
      b.setAgentCvmServerCaCert(pem(serverCa, "--server-ca"));
    }
    if (clientKey != null) {
      b.setAgentCvmClientKey(pem(clientKey, "--client-key"));
      b.setAgentCvmClientCert(pem(clientCrt, "--client-crt"));
    }
    if (caUrl != null) {
      b.setAgentCvmCaUrl(caUrl);
    }
    if (logLevel != null) {
      b.setAgentLogLevel(logLevel);
    }
    if (ttl != null) {
      b.setTtl(GoDuration.format(ttl));
    }
    if (awsAccessKeyId != null) {
      b.setAwsAccessKeyId(awsAccessKeyId);
    }
    if (awsSecretAccessKey != null) {
      b.setAwsSecretAccessKey(awsSecretAccessKey);
    }
    if (awsEndpointUrl != null) {
      b.setAwsEndpointUrl(awsEndpointUrl);
    }
    if (awsRegion != null) {
      b.setAwsRegion(awsRegion);
    }
    if (aaKbsParams != null) {
      b.setAaKbsParams(aaKbsParams);
    }
    request = b.build();
  }

  private static ByteString pem(Path file, String option) throws Failure {
    return ByteString.copyFrom(
        LocalFiles.readBytes(file, option + " " + file, LocalFiles.MAX_PEM_BYTES));
  }

  @Override
  int call(GrpcClient client) {
    CreateRes res =
        client.withDeadline(ManagerServiceGrpc.newBlockingStub(client.channel())).createVm(request);
    PrintWriter out = out();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("cvm_id", res.getCvmId());
      result.put("forwarded_port", res.getForwardedPort());
      JsonOut.print(out, result);
      return 0;
    }
    out.println("id: " + ComputationText.oneLine(res.getCvmId()));
    out.println("port: " + ComputationText.oneLine(res.getForwardedPort()));
    out.flush();
    return 0;
  }

  @Override
  String action() {
    return "cannot create the VM";
  }

  @Override
  Optional<String> problem(Status status) {
    String d = description(status);
    return switch (status.getCode()) {
      case NOT_FOUND ->
          Optional.of(
              computation == null
                  ? action() + ": " + d
                  : "no computation '"
                      + computation
                      + "' at the manager: register it first with 'cocos-cli computations"
                      + " create MANIFEST' ('cocos-cli computations list' shows the registered"
                      + " ones)");
      case RESOURCE_EXHAUSTED -> Optional.of("the manager cannot start another VM: " + d);
      case INVALID_ARGUMENT -> Optional.of(action() + ": the manager rejected the request: " + d);
      case FAILED_PRECONDITION, ALREADY_EXISTS, PERMISSION_DENIED ->
          Optional.of(action() + ": " + d);
      default -> Optional.empty();
    };
  }
}
