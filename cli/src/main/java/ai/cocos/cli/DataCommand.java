package ai.cocos.cli;

import ai.cocos.agent.Operation;
import ai.cocos.crypto.DeterministicZip;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.DataRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli data}: uploads a dataset (a file, or a directory as a zip) to the agent. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header = "Upload a dataset to the computation's agent.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Streams PATH to the agent in 1 MiB chunks under its base name, signed with PRIVATE_KEY,"
          + " the key the manifest names for that dataset. A directory is sent as"
          + " DIRNAME.zip, the deterministic zip 'manifest create' and 'checksum' hash, with"
          + " decompress set so that the agent unpacks it."
    },
    footerHeading = "%nExample:%n",
    footer = {"  cocos-cli data hospital-a.csv private.pem --manifest manifest.json"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the dataset was uploaded",
      "1:a file cannot be read, the agent refused or cannot be reached",
      "2:usage error"
    })
final class DataCommand extends AgentCommand {
  @Parameters(index = "0", paramLabel = "PATH", description = "The dataset: a file or directory.")
  Path path;

  @Parameters(
      index = "1",
      paramLabel = "PRIVATE_KEY",
      description = "The data provider's private key (PEM).")
  Path privateKey;

  @Option(
      names = {"-d", "--decompress"},
      description = "Ask the agent to unzip the dataset (always so for a directory).")
  boolean decompress;

  @Option(names = "--json", description = "Print the outcome as one JSON object.")
  boolean json;

  @Override
  Path privateKeyFile() {
    return privateKey;
  }

  @Override
  void prepare() throws Failure {
    if (!Files.isDirectory(path)) {
      LocalFiles.requireRegularFile(path, path.toString());
    }
  }

  @Override
  int call(GrpcClient client) throws Failure {
    boolean directory = Files.isDirectory(path);
    Path name = path.toAbsolutePath().normalize().getFileName();
    if (name == null) {
      throw new Failure(path + ": a dataset needs a name; give a file or directory below /");
    }
    String filename = directory ? name + ".zip" : name.toString();
    Path file = path;
    Path temp = null;
    try {
      if (directory) {
        try {
          temp = Files.createTempFile("dataset", ".zip");
          try (OutputStream out = Files.newOutputStream(temp)) {
            DeterministicZip.write(path, out);
          }
        } catch (IOException e) {
          throw new Failure(path + ": cannot zip it: " + LocalFiles.problem(e, path));
        }
        file = temp;
      }
      boolean unzip = decompress || directory;
      Map<String, List<String>> extra = new LinkedHashMap<>();
      if (unzip) {
        extra.put("decompress", List.of("true"));
      }
      AgentServiceGrpc.AgentServiceStub stub =
          signed(
              AgentServiceGrpc.newStub(client.channel())
                  .withOnReadyThreshold(GrpcClient.ON_READY_THRESHOLD),
              Operation.data(filename),
              extra);
      long bytes = AlgoCommand.size(file);
      Progress progress = new Progress(err(), "dataset " + filename, bytes, connection.quiet);
      try {
        Upload.send(
            List.of(file),
            stub::data,
            (part, chunk) ->
                DataRequest.newBuilder().setDataset(chunk).setFilename(filename).build(),
            progress);
      } catch (Failure | RuntimeException e) {
        progress.abandon();
        throw e;
      }
      progress.done();
      if (json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("path", path.toString());
        result.put("filename", filename);
        result.put("bytes", bytes);
        result.put("decompress", unzip);
        JsonOut.print(out(), result);
      } else {
        out().println("dataset uploaded: " + filename + " (" + bytes + " bytes)");
        out().flush();
      }
      return 0;
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // a temporary file; the system cleans it up
        }
      }
    }
  }

  @Override
  String action() {
    return "cannot upload the dataset";
  }
}
