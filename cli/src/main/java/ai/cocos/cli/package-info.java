/**
 * The {@code cocos-cli} command line tool: picocli commands on a plain class path (no OSGi
 * framework, so it starts fast).
 *
 * <p>{@link ai.cocos.cli.Main} is the top command. Each subcommand is a small annotated class;
 * classes that touch gRPC are only loaded by the subcommands that need them, so that {@code --help}
 * and {@code --version} stay quick.
 *
 * <p>The commands that work on local files ({@code keys}, {@code checksum}, {@code manifest
 * create|validate|sign|verify}) extend {@code LocalCommand}: a {@code Failure} is printed as its
 * message and exits with 1. They use the crypto and manifest bundles as plain jars, write through
 * {@code LocalFiles} (never over an existing file without {@code --force}, private keys with mode
 * 0600), and never print key material.
 *
 * <p>The commands that call the manager ({@code computations create|list|show}, {@code create-vm},
 * {@code remove-vm}) extend {@code ManagerCommand}: it builds the channel with {@code GrpcClient}
 * from the {@code MANAGER_GRPC_*} variables (read through {@code Main}'s environment lookup, which
 * tests replace) and {@code --manager}, and turns every failed call into a sentence that says what
 * to do. {@code GrpcClient} takes the variable prefix as a parameter, for the agent commands'
 * {@code AGENT_GRPC_*}.
 */
package ai.cocos.cli;
