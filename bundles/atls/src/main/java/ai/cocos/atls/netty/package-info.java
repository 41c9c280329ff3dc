/**
 * Attested TLS for gRPC clients on a plain class path ({@link ai.cocos.atls.netty.AtlsSslContext}).
 * Not exported: inside the framework nothing loads it.
 */
package ai.cocos.atls.netty;
