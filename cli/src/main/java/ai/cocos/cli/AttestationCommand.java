package ai.cocos.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cocos-cli attestation}: the group of attestation commands. */
@Command(
    name = "attestation",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    synopsisSubcommandLabel = "COMMAND",
    header = "Get attestation evidence from an agent, verify it, write policies.",
    descriptionHeading = "%n",
    description = {
      "Before sending anything to an agent, check that it runs what you expect on genuine"
          + " hardware: 'attestation get' asks the agent for evidence bound to a fresh nonce,"
          + " 'attestation validate' verifies it offline against a policy (every signature and"
          + " certificate chain to AMD's or Intel's roots, the TCB, the measurements, the nonce)"
          + " and exits 0 only if it passes. 'attestation policy create' writes a policy pinning"
          + " what given evidence measured, to review and edit; 'ca-bundle' saves the collateral"
          + " a verification needs for use without network. 'attestation handshake' takes the"
          + " evidence of one fresh attested-TLS handshake without sending anything, for a first"
          + " policy when the agent serves attested TLS only.",
      "",
      "Evidence from the emulated provider (machines without a TEE) is always shown as"
          + " 'emulated, not a real TEE' and passes only a policy that allows emulation."
    },
    optionListHeading = "%nOptions:%n",
    commandListHeading = "%nCommands:%n",
    subcommands = {
      AttestationGetCommand.class,
      AttestationHandshakeCommand.class,
      AttestationValidateCommand.class,
      AttestationPolicyCommand.class
    },
    footerHeading = "%n",
    footer = {
      "Example:",
      "  cocos-cli attestation get snp --tee $(openssl rand -hex 64) -o evidence.json",
      "  cocos-cli attestation policy create snp --from evidence.json -o policy.json",
      "  cocos-cli attestation validate evidence.json --policy policy.json",
      "",
      "Run 'cocos-cli attestation COMMAND --help' for a command's options."
    })
final class AttestationCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Without a subcommand there is nothing to do: a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
