import { expect, test } from './fixtures';
import { open, signIn } from './helpers';

// The admin page's import: a plain multipart form, so the same steps work with
// and without the app's script. Each project imports a cluster of its own name.
const header = 'id,name,region,zone,sku,family,lifecycle,total,allocated,reserved,out_of_service,free,utilization,health';

test('an admin dry-runs a CSV, sees each refused line, then imports it and the cluster shows what the import holds', async ({ page }, info) => {
  await signIn(page, 'admin', '/admin/import');
  const name = `e2e-import-${info.project.name}-${Date.now()}`;
  const { errors } = await open(page, info, '/admin/import');
  await expect(page.getByRole('heading', { name: 'Import clusters from CSV' })).toBeVisible();

  // A file with one bad line: refused, line and column named.
  await page.getByTestId('import-file').setInputFiles({
    name: 'bad.csv', mimeType: 'text/csv',
    buffer: Buffer.from(`${header}\n,${name},westus2,1,Dv5,,in_service,100,0,10,0,,,\n,${name}-b,westus2,9,Dv5,,in_service,10,0,0,0,,,\n`),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Refused: 1 line(s) need fixing; nothing changed');
  await expect(page.getByTestId('import-errors')).toContainText("'9' is not a zone");
  await expect(page.getByTestId('import-errors').locator('tbody tr td').nth(1)).toHaveText('zone');

  // The good line alone: a dry run, then the import.
  const good = { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(`${header}\n,${name},westus2,1,Dv5,,in_service,100,0,10,0,,,\n`) };
  await page.getByTestId('import-file').setInputFiles(good);
  await page.getByRole('button', { name: 'Dry run' }).click();
  await expect(report).toContainText('Dry run: nothing changed');
  await expect(report).toContainText('1 row read: 1 would be created');
  await page.getByTestId('import-file').setInputFiles(good);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(report).toContainText(/Imported \(import \d+\)/);
  await expect(report).toContainText('10 reserved units held by the import');
  await page.screenshot({ path: info.outputPath('import-report.png'), fullPage: true });

  await page.getByRole('link', { name }).click();
  await expect(page).toHaveURL(/\/clusters\/\d+$/);
  await expect(page.getByTestId('import-holds')).toContainText('10 units by import');
  expect(errors).toEqual([]);
});
