package ai.cocos.cli;

import ai.cocos.agent.Operation;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.AlgoRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli algo}: uploads the algorithm (and its requirements) to the agent. */
@Command(
    name = "algo",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header = "Upload the algorithm to the computation's agent.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Streams ALGO_FILE (then the --requirements file) to the agent in 1 MiB chunks, signed"
          + " with PRIVATE_KEY, the algorithm provider's key in the manifest, for the manifest's"
          + " computation. The agent accepts it only if its SHA3-256 checksum is the manifest's."
    },
    footerHeading = "%nExample:%n",
    footer = {"  cocos-cli algo lr.py private.pem --manifest manifest.json -a python"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the algorithm was uploaded",
      "1:a file cannot be read, the agent refused or cannot be reached",
      "2:usage error"
    })
final class AlgoCommand extends AgentCommand {
  @Parameters(index = "0", paramLabel = "ALGO_FILE", description = "The algorithm.")
  Path algorithm;

  @Parameters(
      index = "1",
      paramLabel = "PRIVATE_KEY",
      description = "The algorithm provider's private key (PEM).")
  Path privateKey;

  @Option(
      names = {"-a", "--algorithm"},
      paramLabel = "TYPE",
      description =
          "The algorithm's type, bin, python, wasm or docker; sent only if given (the agent"
              + " takes it from the manifest, and refuses a different one).")
  String type;

  @Option(
      names = "--args",
      paramLabel = "ARG",
      description = "An argument of the algorithm (repeatable, in order); sent only if given.")
  List<String> args;

  @Option(
      names = {"-r", "--requirements"},
      paramLabel = "FILE",
      description = "A Python requirements file, uploaded after the algorithm.")
  Path requirements;

  @Option(names = "--json", description = "Print the outcome as one JSON object.")
  boolean json;

  @Override
  Path privateKeyFile() {
    return privateKey;
  }

  @Override
  void prepare() throws Failure {
    LocalFiles.requireRegularFile(algorithm, algorithm.toString());
    if (requirements != null) {
      LocalFiles.requireRegularFile(requirements, requirements.toString());
    }
  }

  @Override
  int call(GrpcClient client) throws Failure {
    Map<String, List<String>> extra = new LinkedHashMap<>();
    if (type != null) {
      extra.put("algo_type", List.of(type));
    }
    if (args != null && !args.isEmpty()) {
      extra.put("algo_args", args);
    }
    AgentServiceGrpc.AgentServiceStub stub =
        signed(
            AgentServiceGrpc.newStub(client.channel())
                .withOnReadyThreshold(GrpcClient.ON_READY_THRESHOLD),
            Operation.algo(),
            extra);
    List<Path> parts = new ArrayList<>(List.of(algorithm));
    long algorithmBytes = size(algorithm);
    long requirementsBytes = 0;
    if (requirements != null) {
      parts.add(requirements);
      requirementsBytes = size(requirements);
    }
    Progress progress =
        new Progress(
            err(),
            "algorithm " + algorithm.getFileName(),
            algorithmBytes + requirementsBytes,
            connection.quiet);
    try {
      Upload.send(
          parts,
          stub::algo,
          (part, chunk) ->
              part == 0
                  ? AlgoRequest.newBuilder().setAlgorithm(chunk).build()
                  : AlgoRequest.newBuilder().setRequirements(chunk).build(),
          progress);
    } catch (Failure | RuntimeException e) {
      progress.abandon();
      throw e;
    }
    progress.done();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("algorithm", algorithm.toString());
      result.put("bytes", algorithmBytes);
      if (requirements != null) {
        result.put("requirements", requirements.toString());
        result.put("requirements_bytes", requirementsBytes);
      }
      JsonOut.print(out(), result);
    } else {
      out().println("algorithm uploaded: " + algorithm + " (" + algorithmBytes + " bytes)");
      if (requirements != null) {
        out()
            .println(
                "requirements uploaded: " + requirements + " (" + requirementsBytes + " bytes)");
      }
      out().flush();
    }
    return 0;
  }

  static long size(Path file) throws Failure {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      throw new Failure(file + ": cannot read it: " + LocalFiles.problem(e, file));
    }
  }

  @Override
  String action() {
    return "cannot upload the algorithm";
  }
}
