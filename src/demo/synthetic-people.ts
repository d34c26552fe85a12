/**
 * Synthetic customers that look real and are not: Chinese names in characters and in pinyin, Latin-script
 * names, valid-format Chinese mobile numbers, emails, account IDs, PRC identity numbers with correct check
 * characters, addresses and birth dates. Deterministic for a given seed, so demos and benchmarks repeat.
 */
import { chineseIdCheckCharacter } from '../crypto/normalise.ts';

/** A small fast seeded PRNG (mulberry32); not for secrets, only for synthetic data. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

export type Random = ReturnType<typeof seededRandom>;

const surnames = [
  ['王', 'Wang'],
  ['李', 'Li'],
  ['张', 'Zhang'],
  ['刘', 'Liu'],
  ['陈', 'Chen'],
  ['杨', 'Yang'],
  ['黄', 'Huang'],
  ['赵', 'Zhao'],
  ['吴', 'Wu'],
  ['周', 'Zhou'],
  ['徐', 'Xu'],
  ['孙', 'Sun'],
  ['马', 'Ma'],
  ['朱', 'Zhu'],
  ['胡', 'Hu'],
  ['郭', 'Guo'],
  ['何', 'He'],
  ['林', 'Lin'],
  ['罗', 'Luo'],
  ['高', 'Gao'],
  ['郑', 'Zheng'],
  ['梁', 'Liang'],
  ['谢', 'Xie'],
  ['宋', 'Song'],
  ['唐', 'Tang'],
  ['许', 'Xu'],
  ['邓', 'Deng'],
  ['冯', 'Feng'],
] as const;

const givenParts = [
  ['伟', 'Wei'],
  ['芳', 'Fang'],
  ['娜', 'Na'],
  ['敏', 'Min'],
  ['静', 'Jing'],
  ['丽', 'Li'],
  ['强', 'Qiang'],
  ['磊', 'Lei'],
  ['军', 'Jun'],
  ['洋', 'Yang'],
  ['勇', 'Yong'],
  ['艳', 'Yan'],
  ['杰', 'Jie'],
  ['娟', 'Juan'],
  ['涛', 'Tao'],
  ['明', 'Ming'],
  ['超', 'Chao'],
  ['秀', 'Xiu'],
  ['霞', 'Xia'],
  ['平', 'Ping'],
  ['刚', 'Gang'],
  ['桂', 'Gui'],
  ['英', 'Ying'],
  ['华', 'Hua'],
  ['建', 'Jian'],
  ['文', 'Wen'],
  ['辉', 'Hui'],
  ['玲', 'Ling'],
] as const;

const latinGiven = [
  'Anna',
  'David',
  'Maria',
  'James',
  'Sofia',
  'Lucas',
  'Emma',
  'Daniel',
  'Olga',
  'Mateo',
  'Chloe',
  'Ivan',
];
const latinFamily = [
  'Smith',
  'Garcia',
  'Müller',
  'Rossi',
  'Novak',
  'Silva',
  'Dubois',
  'Kowalski',
  'Nguyen',
  'Ivanova',
];

const mobilePrefixes = [
  '130',
  '131',
  '132',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '166',
  '176',
  '177',
  '180',
  '181',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '198',
  '199',
];

export const regions = [
  {
    code: 'north',
    province: '北京市',
    city: '北京市',
    districts: ['朝阳区', '海淀区', '东城区'],
    area: '110105',
  },
  {
    code: 'east',
    province: '上海市',
    city: '上海市',
    districts: ['浦东新区', '徐汇区', '静安区'],
    area: '310115',
  },
  {
    code: 'south',
    province: '广东省',
    city: '深圳市',
    districts: ['南山区', '福田区', '龙岗区'],
    area: '440305',
  },
  {
    code: 'west',
    province: '四川省',
    city: '成都市',
    districts: ['武侯区', '锦江区', '青羊区'],
    area: '510107',
  },
] as const;

const streets = ['人民路', '解放路', '中山路', '建设路', '和平街', '新华路', '长安街', '科技园路'];
const mailDomains = ['example.com', 'example.cn', 'mail.example.org', 'example.net'];

export interface SyntheticCustomer {
  name: string;
  phone: string;
  email: string;
  account_id: string;
  national_id: string;
  address: string;
  birth_date: string;
  region: string;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The `index`-th synthetic customer; the index is mixed into IDs so account IDs never repeat. */
export function syntheticCustomer(random: Random, index: number): SyntheticCustomer {
  const region = random.pick(regions);
  const style = random.next();
  const [surname, surnamePinyin] = random.pick(surnames);
  const given = [random.pick(givenParts), ...(random.next() < 0.6 ? [random.pick(givenParts)] : [])];
  let name: string;
  let mailLocal: string;
  if (style < 0.55) {
    name = surname + given.map((g) => g[0]).join('');
    mailLocal = `${surnamePinyin}${given.map((g) => g[1]).join('')}`.toLowerCase();
  } else if (style < 0.85) {
    const givenPinyin = given.map((g) => g[1]).join('');
    name = `${surnamePinyin} ${givenPinyin}`;
    mailLocal = `${givenPinyin}.${surnamePinyin}`.toLowerCase();
  } else {
    const first = random.pick(latinGiven);
    const last = random.pick(latinFamily);
    name = `${first} ${last}`;
    mailLocal = `${first}.${last}`
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z.]/g, '');
  }
  const year = random.int(1950, 2006);
  const month = random.int(1, 12);
  const day = random.int(1, 28);
  const birth = `${year}-${pad(month, 2)}-${pad(day, 2)}`;
  const first17 = `${region.area}${year}${pad(month, 2)}${pad(day, 2)}${pad(random.int(0, 999), 3)}`;
  return {
    name,
    phone: `${random.pick(mobilePrefixes)}${pad(random.int(0, 99_999_999), 8)}`,
    email: `${mailLocal}${index}@${random.pick(mailDomains)}`,
    account_id: `MI${pad(index, 10)}`,
    national_id: first17 + chineseIdCheckCharacter(first17),
    address: `${region.province}${region.city === region.province ? '' : region.city}${random.pick(region.districts)},${random.pick(streets)}${random.int(1, 999)}号`,
    birth_date: birth,
    region: region.code,
  };
}
