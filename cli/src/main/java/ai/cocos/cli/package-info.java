/**
 * The {@code cocos-cli} command line tool: picocli commands on a plain class path (no OSGi
 * framework, so it starts fast).
 *
 * <p>{@link ai.cocos.cli.Main} is the top command. Each subcommand is a small annotated class;
 * classes that touch gRPC are only loaded by the subcommands that need them, so that {@code --help}
 * and {@code --version} stay quick.
 */
package ai.cocos.cli;
