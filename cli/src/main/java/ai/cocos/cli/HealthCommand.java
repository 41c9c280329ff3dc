package ai.cocos.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cocos-cli health}: asks a gRPC server (the agent by default) whether it is serving. */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Check whether an agent (or any gRPC server) is serving.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Calls the standard gRPC health check (grpc.health.v1.Health/Check) over plaintext gRPC"
          + " and prints '<target> <service>: <status>'."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:SERVING",
      "1:NOT_SERVING, UNKNOWN, unknown service, or the server could not be reached",
      "2:usage error"
    })
final class HealthCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-t", "--target"},
      paramLabel = "HOST:PORT",
      defaultValue = "${env:AGENT_GRPC_URL:-localhost:7002}",
      description =
          "Server to ask (default: $AGENT_GRPC_URL, else localhost:7002; now: ${DEFAULT-VALUE}).")
  String target;

  @Option(
      names = {"-s", "--service"},
      paramLabel = "NAME",
      defaultValue = "",
      description = "Service to ask about, for example 'agent' (default: the server as a whole).")
  String service;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description =
          "How long to wait for the answer, for example 5s, 500ms (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() {
    Target address;
    try {
      address = Target.parse(target);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--target: " + e.getMessage());
    }
    String subject = address + " " + (service.isEmpty() ? "(overall)" : service);
    // HealthProbe is the only class that touches gRPC; it is loaded here, not at start-up.
    HealthProbe.Answer answer = HealthProbe.check(address, service, timeout);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (answer.status() != null) {
      out.println(subject + ": " + answer.status());
      out.flush();
      return "SERVING".equals(answer.status()) ? 0 : 1;
    }
    err.println(answer.problem());
    err.flush();
    return 1;
  }
}
