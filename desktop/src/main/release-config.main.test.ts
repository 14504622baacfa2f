/**
 * The packaging configuration for each build machine's environment: the update feed and
 * Windows signing. Each result is merged with electron-builder.yml and checked against
 * electron-builder's own schema by its own library, as `npm run dist` would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { publishConfig, releaseConfig, windowsSigning } from '../../electron-builder.config';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'chat-release-config-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const require = createRequire(path.join(repoRoot, 'package.json'));
const { getConfig, validateConfiguration } =
  require('app-builder-lib/out/util/config/config.js') as {
    getConfig: (dir: string, file: string, extra: null) => Promise<Record<string, unknown>>;
    validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
  };

let written = 0;
/** The configuration electron-builder ends up with for `env` (merged and validated). */
async function effective(env: Record<string, string>): Promise<Record<string, unknown>> {
  const file = path.join(dir, `config-${written++}.json`);
  writeFileSync(file, JSON.stringify(releaseConfig(env)));
  const config = await getConfig(repoRoot, file, null);
  await validateConfiguration(config, { isEnabled: false, add: () => undefined });
  return config;
}

const AZURE = {
  CHAT_WIN_SIGN: 'azure',
  AZURE_TRUSTED_SIGNING_ENDPOINT: 'https://weu.codesigning.azure.net/',
  AZURE_CODE_SIGNING_ACCOUNT_NAME: 'chat-signing',
  AZURE_CERTIFICATE_PROFILE_NAME: 'chat-public',
  AZURE_PUBLISHER_NAME: 'Chat Authors Ltd',
  AZURE_TENANT_ID: 'tenant',
  AZURE_CLIENT_ID: 'client',
  AZURE_CLIENT_SECRET: 'secret',
};

describe('the update feed from the environment', () => {
  it('has none when nothing is configured, so no app-update.yml is written', async () => {
    expect(publishConfig({})).toBeNull();
    expect(publishConfig({ CHAT_PUBLISH_PROVIDER: 'none', CHAT_UPDATE_URL: '' })).toBeNull();
    const config = await effective({});
    expect(config.publish).toBeUndefined();
    // The base is all there.
    expect(config).toMatchObject({ appId: 'com.example.chat', protocols: [{ schemes: ['chat'] }] });
  });

  it('publishes to GitHub releases of GH_OWNER/GH_REPO, without the token', async () => {
    const env = {
      CHAT_PUBLISH_PROVIDER: 'github',
      GH_OWNER: 'example',
      GH_REPO: 'chat',
      GH_TOKEN: 'ghp_secret',
    };
    const config = await effective(env);
    expect(config.publish).toEqual({
      provider: 'github',
      owner: 'example',
      repo: 'chat',
      releaseType: 'draft',
    });
    expect(JSON.stringify(config)).not.toContain('ghp_secret');
    expect(() => publishConfig({ CHAT_PUBLISH_PROVIDER: 'github', GH_OWNER: 'example' })).toThrow(
      'Publishing to GitHub needs GH_REPO.',
    );
  });

  it('publishes to a generic https server at CHAT_UPDATE_URL (also when only the URL is set)', async () => {
    const env = {
      CHAT_PUBLISH_PROVIDER: 'generic',
      CHAT_UPDATE_URL: 'https://updates.example.com/chat',
    };
    expect((await effective(env)).publish).toEqual({
      provider: 'generic',
      url: 'https://updates.example.com/chat',
    });
    expect(publishConfig({ CHAT_UPDATE_URL: 'https://updates.example.com/chat/' })).toEqual({
      provider: 'generic',
      url: 'https://updates.example.com/chat/',
    });
    expect(publishConfig({ CHAT_UPDATE_URL: 'http://127.0.0.1:8080/feed' })).toEqual({
      provider: 'generic',
      url: 'http://127.0.0.1:8080/feed',
    });
  });

  it('stops the build on a feed it cannot use', () => {
    expect(() => publishConfig({ CHAT_PUBLISH_PROVIDER: 'generic' })).toThrow(
      'A generic update feed needs CHAT_UPDATE_URL.',
    );
    expect(() => publishConfig({ CHAT_UPDATE_URL: 'http://updates.example.com/' })).toThrow(
      /must be https/,
    );
    expect(() => publishConfig({ CHAT_UPDATE_URL: 'file:///srv/feed' })).toThrow(/must be https/);
    expect(() => publishConfig({ CHAT_UPDATE_URL: 'https://u:p@updates.example.com/' })).toThrow(
      /credentials/,
    );
    expect(() => publishConfig({ CHAT_UPDATE_URL: 'not a url' })).toThrow(/not a URL/);
    expect(() => publishConfig({ CHAT_PUBLISH_PROVIDER: 's4' })).toThrow(
      'CHAT_PUBLISH_PROVIDER must be github, generic or none, not s4.',
    );
  });
});

describe('Windows signing from the environment', () => {
  it('is off without signing variables: resources still edited, no signature to verify', async () => {
    expect(windowsSigning({})).toEqual({
      signAndEditExecutable: true,
      verifyUpdateCodeSignature: false,
    });
    const config = await effective({});
    expect(config.win).toMatchObject({
      target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
      verifyUpdateCodeSignature: false,
    });
    expect(config.win).not.toHaveProperty('azureSignOptions');
    expect(config.win).not.toHaveProperty('signtoolOptions');
  });

  it('signs with Azure Trusted Signing from the AZURE_* variables, keeping the base win options', async () => {
    const config = await effective(AZURE);
    expect(config.win).toEqual({
      icon: 'desktop/build/icon.png',
      target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
      azureSignOptions: {
        endpoint: 'https://weu.codesigning.azure.net/',
        codeSigningAccountName: 'chat-signing',
        certificateProfileName: 'chat-public',
        publisherName: 'Chat Authors Ltd',
      },
      signAndEditExecutable: true,
      verifyUpdateCodeSignature: true,
    });
    // The service principal's secret is the signing module's to read, never in the config.
    expect(JSON.stringify(config)).not.toContain('secret');
    const certificateLogin = { ...AZURE, AZURE_CLIENT_SECRET: '' };
    expect(() => windowsSigning(certificateLogin)).toThrow(
      'Azure Trusted Signing needs AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH.',
    );
    expect(
      windowsSigning({ ...certificateLogin, AZURE_CLIENT_CERTIFICATE_PATH: 'sp.pem' }),
    ).toHaveProperty('azureSignOptions');
    expect(() =>
      windowsSigning({ ...AZURE, AZURE_PUBLISHER_NAME: ' ', AZURE_TENANT_ID: '' }),
    ).toThrow('Azure Trusted Signing needs AZURE_PUBLISHER_NAME.');
    expect(() => windowsSigning({ ...AZURE, AZURE_TENANT_ID: '' })).toThrow(
      'Azure Trusted Signing needs AZURE_TENANT_ID.',
    );
    expect(() =>
      windowsSigning({ ...AZURE, AZURE_TRUSTED_SIGNING_ENDPOINT: 'http://weu.example/' }),
    ).toThrow(/https/);
  });

  it('signs with a certificate file from the CSC variables (read by electron-builder itself)', async () => {
    for (const env of [
      { WIN_CSC_LINK: 'cert.pfx', WIN_CSC_KEY_PASSWORD: 'pw' },
      { CSC_LINK: 'cert.pfx', CSC_KEY_PASSWORD: 'pw' },
      { CHAT_WIN_SIGN: 'certificate', WIN_CSC_LINK: 'cert.pfx', WIN_CSC_KEY_PASSWORD: 'pw' },
    ]) {
      expect(windowsSigning(env)).toEqual({
        signAndEditExecutable: true,
        verifyUpdateCodeSignature: true,
      });
    }
    const config = await effective({ WIN_CSC_LINK: 'cert.pfx', WIN_CSC_KEY_PASSWORD: 'pw' });
    expect(config.win).toMatchObject({ verifyUpdateCodeSignature: true });
    expect(JSON.stringify(config)).not.toContain('cert.pfx');
  });

  it('signs with a certificate in the store (an EV token) by subject name or thumbprint', async () => {
    const config = await effective({
      CHAT_WIN_SIGN: 'certificate',
      WIN_CSC_SUBJECT_NAME: 'Chat Authors Ltd',
    });
    expect(config.win).toMatchObject({
      signtoolOptions: { certificateSubjectName: 'Chat Authors Ltd' },
      verifyUpdateCodeSignature: true,
    });
    expect(windowsSigning({ CHAT_WIN_SIGN: 'certificate', WIN_CSC_SHA1: 'AB12' })).toMatchObject({
      signtoolOptions: { certificateSha1: 'AB12' },
    });
    expect(() => windowsSigning({ CHAT_WIN_SIGN: 'certificate' })).toThrow(
      /needs WIN_CSC_LINK \(or CSC_LINK\), WIN_CSC_SUBJECT_NAME or WIN_CSC_SHA1/,
    );
    expect(() => windowsSigning({ CHAT_WIN_SIGN: 'yes' })).toThrow(
      'CHAT_WIN_SIGN must be azure, certificate or none, not yes.',
    );
  });

  it('leaves macOS signing and notarization to the CSC and APPLE variables electron-builder reads', async () => {
    const config = await effective({ CSC_LINK: 'mac.p12', APPLE_TEAM_ID: 'TEAM' });
    expect(config.mac).toMatchObject({ hardenedRuntime: true, notarize: true });
    expect(JSON.stringify(config.mac)).not.toContain('TEAM');
  });
});
