package ai.cocos.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cocos-cli manifest}: the group of manifest commands. */
@Command(
    name = "manifest",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    synopsisSubcommandLabel = "COMMAND",
    header = "Create, check, sign and verify computation manifests.",
    descriptionHeading = "%n",
    description = {
      "A manifest says what one computation accepts: the algorithm and each dataset by SHA3-256"
          + " checksum, the public key of the party allowed to upload each, and the keys of the"
          + " parties who may download the results. Its measurement is SHA3-256 of its canonical"
          + " form (the same whatever the JSON layout); the computation owner signs that form.",
      "",
      "Typical flow: every party runs 'cocos-cli keys' and sends its public.pem; the owner runs"
          + " 'manifest create', checks it with 'manifest validate', signs it with 'manifest"
          + " sign'; anyone can 'manifest verify' the signature with the owner's public key."
    },
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands:%n",
    subcommands = {
      ManifestCreateCommand.class,
      ManifestValidateCommand.class,
      ManifestSignCommand.class,
      ManifestVerifyCommand.class
    },
    footerHeading = "%n",
    footer = {"Run 'cocos-cli manifest COMMAND --help' for a command's options."})
final class ManifestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Without a subcommand there is nothing to do: a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
