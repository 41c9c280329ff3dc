package ai.cocos.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
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
          + " algorithm and dataset uploads, result downloads, attestation, and, through the"
          + " manager, registering and following computations and creating and removing their"
          + " VMs."
    },
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands available in this build:%n",
    footerHeading = "%n",
    footer = {
      "Environment, manager (computations, create-vm, remove-vm, cvm-info):",
      "  MANAGER_GRPC_URL              HOST:PORT (default localhost:7001)",
      "  MANAGER_GRPC_TIMEOUT          deadline of each call (default 60s)",
      "  MANAGER_GRPC_SERVER_CA_CERTS  TLS, trusting these CA certificates (PEM)",
      "  MANAGER_GRPC_CLIENT_CERT      mutual TLS: the client certificate (PEM)",
      "  MANAGER_GRPC_CLIENT_KEY       and its private key (PEM)",
      "Environment, agent (algo, data, result, health):",
      "  AGENT_GRPC_URL                HOST:PORT (default localhost:7002)",
      "  AGENT_GRPC_TIMEOUT            bound on connecting (default 60s); streams have none",
      "  AGENT_GRPC_SERVER_CA_CERTS    TLS, trusting these CA certificates (PEM)",
      "  AGENT_GRPC_CLIENT_CERT        mutual TLS: the client certificate (PEM)",
      "  AGENT_GRPC_CLIENT_KEY         and its private key (PEM)",
      "  COCOS_MANIFEST                the manifest algo, data and result sign for",
      "  AGENT_GRPC_ATTESTED_TLS       true: attested TLS (on whenever the manifest says"
          + " attested_tls)",
      "  AGENT_GRPC_ATTESTATION_POLICY the policy the agent's evidence must satisfy (no default)",
      "  AGENT_GRPC_ATTESTATION_MANIFEST the manifest the agent must hold (default: the one"
          + " signed for)",
      "",
      "Exit codes: 0 success, 1 the operation failed, 2 usage error.",
      "Run 'cocos-cli help COMMAND' for a command's options."
    })
public final class Main implements Callable<Integer> {
  /**
   * The subcommands, in the order the help lists them. Registered by {@link #commandLine}, not in
   * the annotation, so that a run of one command builds only that command's model: picocli reads
   * every registered command's annotations at start, about 40 ms for all of them here ({@code
   * cocos-cli data --help} 0.24 s against {@code cocos-cli --version} 0.28 s, medians of 5).
   */
  static final List<Class<?>> COMMANDS =
      List.of(
          KeysCommand.class,
          ChecksumCommand.class,
          ManifestCommand.class,
          ComputationsCommand.class,
          CreateVmCommand.class,
          RemoveVmCommand.class,
          CvmInfoCommand.class,
          AlgoCommand.class,
          DataCommand.class,
          ResultCommand.class,
          HealthCommand.class,
          AttestationCommand.class,
          CaBundleCommand.class,
          ClassDataTrainingCommand.class,
          CommandLine.HelpCommand.class);

  @Spec CommandSpec spec;

  private final Function<String, String> env;

  /** Creates the command, reading the process environment; picocli fills in the rest. */
  public Main() {
    this(System::getenv);
  }

  /**
   * Creates the command with an environment of the caller's choosing (tests).
   *
   * @param env looks up an environment variable; {@code null} for an unset one
   */
  Main(Function<String, String> env) {
    this.env = Objects.requireNonNull(env, "env");
  }

  /**
   * Runs the tool and exits the JVM with the command's exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(commandLine(System::getenv, args).execute(args));
  }

  /**
   * The tool's command line, set up as {@link #main} runs it. A usage error prints its message, the
   * command's synopsis and where to find its help, not the whole help (which for {@code manifest
   * create} would push the message off the screen).
   *
   * @return a new command line
   */
  public static CommandLine commandLine() {
    return commandLine(System::getenv);
  }

  /**
   * The tool's command line with an environment of the caller's choosing: the commands read their
   * variables ({@code MANAGER_GRPC_URL}, ...) through it.
   *
   * @param env looks up an environment variable; {@code null} for an unset one
   * @return a new command line
   */
  static CommandLine commandLine(Function<String, String> env) {
    return commandLine(env, new String[0]);
  }

  /**
   * The tool's command line for one run: with only the subcommand the arguments name, when they
   * name one (its model is all picocli then builds); with every subcommand otherwise (the help, a
   * usage error's suggestions, {@code help COMMAND}).
   *
   * @param env looks up an environment variable; {@code null} for an unset one
   * @param args the command line the result will execute
   * @return a new command line
   */
  static CommandLine commandLine(Function<String, String> env, String[] args) {
    CommandLine cli = new CommandLine(new Main(env));
    Class<?> only = args.length == 0 ? null : command(args[0]);
    for (Class<?> c : COMMANDS) {
      if (only == null || c == only) {
        cli.addSubcommand(c);
      }
    }
    cli.setParameterExceptionHandler(Main::usageError);
    return cli;
  }

  /** The subcommand named so (by name or alias), other than help; {@code null} if none. */
  private static Class<?> command(String name) {
    for (Class<?> c : COMMANDS) {
      Command a = c.getAnnotation(Command.class);
      if (c == CommandLine.HelpCommand.class || a == null) {
        continue;
      }
      if (a.name().equals(name) || Arrays.asList(a.aliases()).contains(name)) {
        return c;
      }
    }
    return null;
  }

  /**
   * The environment a command reads its variables from: the one its top command was made with.
   *
   * @param spec the command's spec
   * @return the lookup; {@code System::getenv} if the command runs outside {@code cocos-cli}
   */
  static Function<String, String> env(CommandSpec spec) {
    Object root = spec.root().userObject();
    return root instanceof Main m ? m.env : System::getenv;
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
