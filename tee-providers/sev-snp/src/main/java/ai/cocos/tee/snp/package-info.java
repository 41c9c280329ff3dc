/**
 * The AMD SEV-SNP TEE provider's plain-jar entry point: {@link ai.cocos.tee.snp.SnpProvider}
 * (gather, verify, write a policy from evidence) and its {@link ai.cocos.tee.snp.SnpSettings}.
 * Inside an OSGi framework the same provider is registered as a {@code TeeProvider} service with
 * {@code cocos.tee.platform=snp}.
 */
@Version("1.0.0")
package ai.cocos.tee.snp;

import org.osgi.annotation.versioning.Version;
