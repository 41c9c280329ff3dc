package ai.cocos.cli;

import ai.cocos.agent.Operation;
import ai.cocos.proto.agent.AgentServiceGrpc;
import ai.cocos.proto.agent.ResultRequest;
import ai.cocos.proto.agent.ResultResponse;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli result}: downloads the computation's results from the agent. */
@Command(
    name = "result",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    header = "Download the computation's results from its agent.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Asks the agent for the results, signed with PRIVATE_KEY, a result consumer's key in the"
          + " manifest, and writes the zip it streams to DIR/NAME (through DIR/NAME.part)."
          + " Prints the file's absolute path."
    },
    footerHeading = "%nExample:%n",
    footer = {"  cocos-cli result private.pem --manifest manifest.json -o out"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the results were written",
      "1:the file exists, cannot be written, the agent refused or cannot be reached",
      "2:usage error"
    })
final class ResultCommand extends AgentCommand {
  static final Metadata.Key<String> FILE_SIZE =
      Metadata.Key.of("file-size", Metadata.ASCII_STRING_MARSHALLER);

  @Parameters(
      index = "0",
      paramLabel = "PRIVATE_KEY",
      description = "The result consumer's private key (PEM).")
  Path privateKey;

  @Option(
      names = {"-o", "--output-dir"},
      paramLabel = "DIR",
      description = "Where to write the results (default: the current directory).")
  Path outputDir = Path.of("");

  @Option(
      names = {"-f", "--filename"},
      paramLabel = "NAME",
      description = "The file's name (default: results.zip).")
  String filename = "results.zip";

  @Option(names = "--force", description = "Replace the file if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print the outcome as one JSON object.")
  boolean json;

  private Path target;

  @Override
  Path privateKeyFile() {
    return privateKey;
  }

  @Override
  void prepare() throws Failure {
    if (filename.isBlank() || filename.contains("/") || filename.contains("\\")) {
      throw usage("--filename: give a file name, not a path (the directory is --output-dir)");
    }
    target = outputDir.resolve(filename).toAbsolutePath().normalize();
    try {
      // Like mkdir -p: the party names where the result should go.
      Files.createDirectories(target.getParent());
    } catch (java.io.IOException e) {
      throw new Failure(outputDir + ": cannot create the directory: " + e.getMessage());
    }
    if (Files.exists(target) && !force) {
      throw new Failure(target + " exists; give --force to replace it, or another --filename");
    }
  }

  @Override
  int call(GrpcClient client) throws Failure {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    AgentServiceGrpc.AgentServiceBlockingStub stub =
        signed(AgentServiceGrpc.newBlockingStub(client.channel()), Operation.result(), Map.of())
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    Path part = target.resolveSibling(target.getFileName() + ".part");
    Progress progress = new Progress(err(), "result " + filename, -1, connection.quiet);
    long expected = -1;
    boolean moved = false;
    try (OutputStream out = Files.newOutputStream(part)) {
      Iterator<ResultResponse> chunks = stub.result(ResultRequest.getDefaultInstance());
      boolean first = true;
      while (chunks.hasNext()) {
        ResultResponse chunk = chunks.next();
        if (first) {
          first = false;
          expected = fileSize(headers.get());
          progress.total(expected);
        }
        chunk.getFile().writeTo(out);
        progress.add(chunk.getFile().size());
      }
      if (first) {
        expected = fileSize(headers.get());
      }
      out.close();
      long got = progress.bytes();
      if (expected >= 0 && got != expected) {
        throw new Failure(
            "the result is incomplete: the agent announced "
                + expected
                + " bytes (file-size) but sent "
                + got
                + "; try again");
      }
      if (force) {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      } else {
        try {
          Files.createLink(target, part);
          Files.delete(part);
        } catch (UnsupportedOperationException | IOException linkFailed) {
          if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString());
          }
          Files.move(part, target);
        }
      }
      moved = true;
      progress.done();
    } catch (FileAlreadyExistsException e) {
      progress.abandon();
      throw new Failure(target + " exists; give --force to replace it, or another --filename");
    } catch (IOException e) {
      progress.abandon();
      throw new Failure(part + ": cannot write it: " + LocalFiles.problem(e, part));
    } catch (Failure | StatusRuntimeException e) {
      progress.abandon();
      throw e;
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException ignored) {
          // nothing more to do
        }
      }
    }
    long bytes = progress.bytes();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("path", target.toString());
      result.put("bytes", bytes);
      JsonOut.print(out(), result);
    } else {
      out().println(target);
      out().flush();
    }
    return 0;
  }

  private static long fileSize(Metadata headers) {
    if (headers == null) {
      return -1;
    }
    String v = headers.get(FILE_SIZE);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  String action() {
    return "cannot get the results";
  }
}
