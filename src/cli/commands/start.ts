import type { CAC } from 'cac';

export function register(cli: CAC): void {
  cli.command('start', 'run the platform (same as npm start)').action(async () => {
    await import('../../main.ts');
  });
}
