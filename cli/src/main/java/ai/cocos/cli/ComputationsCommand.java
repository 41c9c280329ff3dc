package ai.cocos.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cocos-cli computations}: the manager's registry of computations. */
@Command(
    name = "computations",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    synopsisSubcommandLabel = "COMMAND",
    header = "Register computations with the manager and follow them.",
    descriptionHeading = "%n",
    description = {
      "The manager keeps a registry of computations, each registered from its manifest. A VM"
          + " created for one ('create-vm --computation ID') runs an agent that receives that"
          + " manifest; the agent reports its state and log lines back, which 'computations"
          + " show' prints, and 'computations show --follow' as they happen.",
      "",
      "Typical flow: 'manifest create' and 'manifest sign', then 'computations create"
          + " manifest.json --signature manifest.json.sig', 'create-vm --computation ID', the"
          + " uploads to the agent, and 'computations show ID --follow' until it ends."
    },
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands:%n",
    subcommands = {
      ComputationsCreateCommand.class,
      ComputationsListCommand.class,
      ComputationsShowCommand.class
    },
    footerHeading = "%n",
    footer = {
      "The manager's address and TLS settings come from MANAGER_GRPC_URL (default"
          + " localhost:7001), MANAGER_GRPC_SERVER_CA_CERTS, MANAGER_GRPC_CLIENT_CERT and"
          + " MANAGER_GRPC_CLIENT_KEY; see 'cocos-cli --help'.",
      "Run 'cocos-cli computations COMMAND --help' for a command's options."
    })
final class ComputationsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Without a subcommand there is nothing to do: a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
