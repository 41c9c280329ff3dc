package ai.cocos.cli;

import ai.cocos.proto.computations.v1.Computation;
import ai.cocos.proto.computations.v1.ComputationsGrpc;
import ai.cocos.proto.computations.v1.CreateComputationRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli computations create}: registers a computation from its manifest. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Register a computation with the manager, from its manifest.",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Sends the manifest file as it is, and the owner's signature if given, to the manager,"
          + " which checks the manifest as the agent will and registers the computation under"
          + " the manifest's id. Prints the id, the state, the manifest's digest (what the"
          + " agent measures) and the parties.",
      "",
      "A manager configured with the owner's public key registers only manifests whose"
          + " signature verifies: sign with 'manifest sign' and pass the signature file."
    },
    footerHeading = "%nExample:%n",
    footer = {"  cocos-cli computations create manifest.json --signature manifest.json.sig"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the computation is registered",
      "1:a file cannot be read, the manager rejected the manifest (every problem is listed),"
          + " the id is taken, the signature is missing or wrong, or the manager cannot be"
          + " reached",
      "2:usage error"
    })
final class ComputationsCreateCommand extends ManagerCommand {
  /** The largest manifest the manager accepts. */
  static final int MAX_MANIFEST_BYTES = 1024 * 1024;

  /** A signature of the largest RSA key, in base64, is far below this. */
  private static final int MAX_SIGNATURE_FILE_BYTES = 64 * 1024;

  @Parameters(paramLabel = "MANIFEST", description = "The manifest file (JSON), sent as it is.")
  Path file;

  @Option(
      names = {"-s", "--signature"},
      paramLabel = "FILE",
      description =
          "The owner's signature of the manifest, as 'manifest sign' writes it (one line of"
              + " base64).")
  Path signature;

  @Option(names = "--json", description = "Print the registered computation as one JSON object.")
  boolean json;

  private byte[] manifest;
  private byte[] ownerSignature = new byte[0];

  @Override
  void prepare() throws Failure {
    LocalFiles.requireRegularFile(file, file.toString());
    try {
      if (Files.size(file) > MAX_MANIFEST_BYTES) {
        throw new Failure(file + ": larger than 1 MiB; the manager accepts manifests up to 1 MiB");
      }
    } catch (IOException e) {
      throw new Failure(file + ": cannot read it: " + LocalFiles.problem(e, file));
    }
    manifest = LocalFiles.readBytes(file, file.toString(), MAX_MANIFEST_BYTES);
    if (signature != null) {
      String what = "--signature " + signature;
      String text =
          LocalFiles.readText(signature, what, MAX_SIGNATURE_FILE_BYTES).replaceAll("\\s", "");
      if (text.isEmpty()) {
        throw new Failure(what + ": the file is empty; 'manifest sign' writes the signature");
      }
      try {
        ownerSignature = Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw new Failure(
            what
                + ": not base64 text; 'manifest sign' writes one line of base64 (for a raw"
                + " signature file: base64 -w0 FILE)");
      }
    }
  }

  @Override
  int call(GrpcClient client) {
    Computation c =
        client
            .withDeadline(ComputationsGrpc.newBlockingStub(client.channel()))
            .create(
                CreateComputationRequest.newBuilder()
                    .setManifestJson(ByteString.copyFrom(manifest))
                    .setOwnerSignature(ByteString.copyFrom(ownerSignature))
                    .build());
    PrintWriter out = out();
    if (json) {
      JsonOut.print(out, ComputationText.toJson(c));
      return 0;
    }
    out.println(
        "Registered computation '"
            + ComputationText.oneLine(c.getId())
            + "' with the manager at "
            + client.settings().target()
            + ".");
    ComputationText.print(out, c, "  ");
    out.println("Next: cocos-cli create-vm --computation " + ComputationText.oneLine(c.getId()));
    out.flush();
    return 0;
  }

  @Override
  String action() {
    return "cannot register " + file;
  }

  @Override
  Optional<String> problem(Status status) {
    String d = description(status);
    return switch (status.getCode()) {
      case INVALID_ARGUMENT -> Optional.of("the manager rejected " + file + ": " + d);
      case ALREADY_EXISTS -> Optional.of(action() + ": " + d);
      case PERMISSION_DENIED ->
          Optional.of(
              "the manager refused "
                  + file
                  + ": "
                  + d
                  + (ownerSignature.length == 0
                      ? System.lineSeparator()
                          + "Sign it with: cocos-cli manifest sign "
                          + file
                          + " --key OWNER_PRIVATE.pem, and pass --signature "
                          + file
                          + ".sig"
                      : ""));
      default -> Optional.empty();
    };
  }
}
