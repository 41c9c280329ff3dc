/** The SEV-SNP provider's OSGi component and configuration. Not exported. */
package ai.cocos.tee.snp.internal;
