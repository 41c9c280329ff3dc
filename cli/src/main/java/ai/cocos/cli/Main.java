package ai.cocos.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code cocos-cli} top command. Run {@code cocos-cli --help} for what it offers.
 *
 * <p>Exit codes follow picocli's convention: 0 success, 1 the operation failed, 2 usage error.
 */
@Command(
    name = "cocos-cli",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    synopsisSubcommandLabel = "COMMAND",
    descriptionHeading = "%n",
    description = {
      "Client for Cocos, confidential multi-party computation.",
      "",
      "Cocos runs one computation inside a confidential VM (AMD SEV-SNP, Intel TDX, vTPM):"
          + " an algorithm provider and data providers upload their assets to the agent in the"
          + " VM, which accepts only what the computation's manifest names (by key and"
          + " SHA3-256 checksum), runs the algorithm, and releases the results only to the"
          + " result consumers. Anyone can ask the agent for attestation evidence and verify"
          + " that it runs the expected code on genuine hardware before trusting it.",
      "",
      "This tool is the client side of that: key generation, checksums and manifests,"
          + " algorithm and dataset uploads, result downloads, attestation, and VM create/remove"
          + " through the manager."
    },
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands available in this build:%n",
    subcommands = {
      KeysCommand.class,
      ChecksumCommand.class,
      ManifestCommand.class,
      HealthCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%n",
    footer = {
      "Not yet in this build: computations, create-vm, remove-vm, algo, data, result,"
          + " attestation.",
      "",
      "Environment:",
      "  AGENT_GRPC_URL   agent address HOST:PORT (default localhost:7002)",
      "",
      "Exit codes: 0 success, 1 the operation failed, 2 usage error.",
      "Run 'cocos-cli help COMMAND' for a command's options."
    })
public final class Main implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Creates the command; picocli fills in the rest. */
  public Main() {}

  /**
   * Runs the tool and exits the JVM with the command's exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The tool's command line, set up as {@link #main} runs it. A usage error prints its message, the
   * command's synopsis and where to find its help, not the whole help (which for {@code manifest
   * create} would push the message off the screen).
   *
   * @return a new command line
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler(Main::usageError);
    return cli;
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println(e.getMessage());
    UnmatchedArgumentException.printSuggestions(e, err);
    err.print(cmd.getHelp().fullSynopsis());
    err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
    err.flush();
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** Without a subcommand there is nothing to do: a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required command");
  }
}
