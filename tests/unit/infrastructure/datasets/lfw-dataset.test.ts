import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, KNOWN_PEOPLE_FILE, LfwDataset, parseLfwPairs, photosOf } from '../../../../src/infrastructure/datasets/lfw-dataset';

/** Two folds of 1 matched + 1 mismatched pair each. */
const PAIRS = ['2\t1', 'Abel_Pacheco\t1\t4', 'Abdel_Madi_Shabneh\t1\tDean_Barker\t12', 'Zico\t2\t3', 'Ann_Veneman\t10\tZico\t1', ''].join('\n');

const errorOf = (text: string): DatasetError => {
  try {
    parseLfwPairs(text);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('pairs were accepted');
};

describe('parseLfwPairs', () => {
  it('reads folds of matched then mismatched pairs into zero-padded image paths', () => {
    expect(parseLfwPairs(PAIRS)).toEqual([
      [
        { first: 'images/Abel_Pacheco/Abel_Pacheco_0001.jpg', second: 'images/Abel_Pacheco/Abel_Pacheco_0004.jpg', same: true },
        { first: 'images/Abdel_Madi_Shabneh/Abdel_Madi_Shabneh_0001.jpg', second: 'images/Dean_Barker/Dean_Barker_0012.jpg', same: false },
      ],
      [
        { first: 'images/Zico/Zico_0002.jpg', second: 'images/Zico/Zico_0003.jpg', same: true },
        { first: 'images/Ann_Veneman/Ann_Veneman_0010.jpg', second: 'images/Zico/Zico_0001.jpg', same: false },
      ],
    ]);
  });

  it('accepts CRLF line ends, blank lines, surrounding spaces and space-separated fields', () => {
    const messy = '\r\n 2 1 \r\nAbel_Pacheco 1 4\r\n\r\nAbdel_Madi_Shabneh 1 Dean_Barker 12\r\nZico\t2\t3\r\n  Ann_Veneman\t10\tZico\t1  \r\n';
    expect(parseLfwPairs(messy)).toEqual(parseLfwPairs(PAIRS));
  });

  it.each([
    ['an empty file', ''],
    ['a non-numeric header', 'ten three hundred\nA\t1\t2'],
    ['a header with one number', '1\nA\t1\t2\nB\t1\tC\t2'],
    ['zero folds', '0 1'],
    // (-1)·(-1)·2 = 2 lines: a negative header must not pass as an empty benchmark.
    ['negative counts', '-1 -1\nA\t1\t2\nB\t1\tC\t2'],
    ['a fractional header', '1.5 1\nA\t1\t2\nB\t1\tC\t2'],
  ])('rejects %s with a header error', (_name, text) => {
    expect(errorOf(text).message).toMatch(/^pairs\.txt header must be '<folds> <pairs per half>'/);
  });

  it('rejects a file whose pair count does not match its header', () => {
    expect(errorOf('2 1\nA\t1\t2\nB\t1\tC\t2').message).toBe('pairs.txt declares 2×2 pairs but has 2 lines');
  });

  it('rejects a line with the wrong number of fields, naming the line', () => {
    expect(errorOf('1 1\nA\t1\t2\nB\t1\tC\t2\t9').message).toBe('pairs.txt line 3 has 5 fields');
    expect(errorOf('1 1\nA\t1\nB\t1\tC\t2').message).toBe('pairs.txt line 2 has 2 fields');
  });

  it('rejects image indices that are not positive whole numbers', () => {
    expect(errorOf('1 1\nA\t0\t2\nB\t1\tC\t2').message).toBe("bad image index '0' for A");
    expect(errorOf('1 1\nA\t1\t2\nB\tx\tC\t2').message).toBe("bad image index 'x' for B");
    expect(errorOf('1 1\nA\t1\t2\nB\t1\tC\t-4').message).toBe("bad image index '-4' for C");
  });

  it('carries the dataset_error code', () => {
    expect(errorOf('').code).toBe('dataset_error');
    expect(errorOf('').name).toBe('DatasetError');
  });
});

describe('LfwDataset', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lfw-unit-'));
    await writeFile(join(root, 'pairs.txt'), PAIRS);
    await mkdir(join(root, 'images', 'Zico'), { recursive: true });
    await writeFile(join(root, 'images', 'Zico', 'Zico_0002.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads the folds from <root>/pairs.txt and image bytes by their path', async () => {
    const dataset = new LfwDataset(root);
    const folds = await dataset.folds();
    expect(folds).toHaveLength(2);
    const id = (folds[1] as { first: string }[])[0]?.first as string;
    expect(Array.from(await dataset.read(id))).toEqual([0xff, 0xd8, 0xff]);
  });

  it('explains a directory without pairs.txt', async () => {
    const dataset = new LfwDataset(join(root, 'images'));
    await expect(dataset.folds()).rejects.toThrow(DatasetError);
    await expect(dataset.folds()).rejects.toThrow(/no pairs\.txt in .*images: is this the LFW directory\?/);
  });
});

describe('photosOf', () => {
  it("keeps the person's <Name>_NNNN.jpg files, in index order, as image ids", () => {
    const files = ['Zico_0010.jpg', 'Zico_0002.jpg', 'notes.txt', 'Zico_0001.png', 'Zicoo_0003.jpg', 'Zico_0001.jpg'];
    expect(photosOf('Zico', files)).toEqual([join('images', 'Zico', 'Zico_0001.jpg'), join('images', 'Zico', 'Zico_0002.jpg'), join('images', 'Zico', 'Zico_0010.jpg')]);
  });

  it('treats characters of the name literally', () => {
    expect(photosOf('J.R.', ['J.R._0001.jpg', 'JxRx_0001.jpg'])).toEqual([join('images', 'J.R.', 'J.R._0001.jpg')]);
  });
});

describe('LfwDataset people', () => {
  let root: string;
  const photo = Buffer.from([0xff, 0xd8, 0xff]);

  const person = async (name: string, indices: number[]): Promise<void> => {
    await mkdir(join(root, 'images', name), { recursive: true });
    for (const i of indices) await writeFile(join(root, 'images', name, `${name}_${String(i).padStart(4, '0')}.jpg`), photo);
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lfw-people-'));
    await person('Ann_Veneman', [2, 1, 11]);
    await person('Zico', [1]);
    await person('Dean_Barker', [3]);
    await writeFile(join(root, 'images', 'stray.jpg'), photo);
    await writeFile(join(root, KNOWN_PEOPLE_FILE), 'Zico\r\n\n  Ann_Veneman  \n');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists the known people in the order of identities-20plus.txt, their photos by index', async () => {
    expect(await new LfwDataset(root).knownPeople()).toEqual([
      { person: 'Zico', photos: [join('images', 'Zico', 'Zico_0001.jpg')] },
      {
        person: 'Ann_Veneman',
        photos: ['Ann_Veneman_0001.jpg', 'Ann_Veneman_0002.jpg', 'Ann_Veneman_0011.jpg'].map((f) => join('images', 'Ann_Veneman', f)),
      },
    ]);
  });

  it('lists every other folder under images/ as unknown people, by name', async () => {
    expect(await new LfwDataset(root).unknownPeople()).toEqual([{ person: 'Dean_Barker', photos: [join('images', 'Dean_Barker', 'Dean_Barker_0003.jpg')] }]);
  });

  it('gives image ids that read the photo and match those of pairs.txt', async () => {
    const dataset = new LfwDataset(root);
    const [zico] = await dataset.knownPeople();
    expect(Array.from(await dataset.read(zico!.photos[0]!))).toEqual([0xff, 0xd8, 0xff]);
    expect(parseLfwPairs('1 1\nZico\t1\t1\nZico\t1\tDean_Barker\t3')[0]![0]!.first).toBe(zico!.photos[0]);
  });

  it('explains a directory without identities-20plus.txt, an empty list, a missing folder and a folder without photos', async () => {
    const other = await mkdtemp(join(tmpdir(), 'lfw-broken-'));
    try {
      const dataset = new LfwDataset(other);
      await expect(dataset.knownPeople()).rejects.toThrow(new DatasetError(`no ${KNOWN_PEOPLE_FILE} in ${other}: is this the LFW directory?`));
      await writeFile(join(other, KNOWN_PEOPLE_FILE), '\n \n');
      await expect(dataset.unknownPeople()).rejects.toThrow(`${KNOWN_PEOPLE_FILE} in ${other} names nobody`);
      await writeFile(join(other, KNOWN_PEOPLE_FILE), 'Zico\n');
      await expect(dataset.knownPeople()).rejects.toThrow(`no folder images/Zico in ${other}`);
      await mkdir(join(other, 'images', 'Zico'), { recursive: true });
      await writeFile(join(other, 'images', 'Zico', 'portrait.jpg'), photo);
      await expect(dataset.knownPeople()).rejects.toThrow(`images/Zico in ${other} holds no Zico_NNNN.jpg photo`);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
