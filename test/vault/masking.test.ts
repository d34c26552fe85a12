import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  maskAccountId,
  maskAddress,
  maskBirthDate,
  maskEmail,
  maskName,
  maskNationalId,
  maskPhone,
} from '../../src/vault/masking.ts';

test('masks keep only what confirms a customer', () => {
  assert.equal(maskPhone('+8613800138000'), '+86 138 **** 8000');
  assert.equal(maskPhone('+442079460958'), '+44 **** 0958');
  assert.equal(maskName('Zhang Wei'), 'Z** W**');
  assert.equal(maskName('Gao YanMing'), 'G** Y**');
  assert.equal(maskName('Anna Maria Rossi'), 'A** M** R**');
  assert.equal(maskName('张伟'), '张**');
  assert.equal(maskName('欧阳娜娜'), '欧**');
  assert.equal(maskName('Madonna'), 'M**');
  assert.equal(maskEmail('wei@example.com'), 'w***@example.com');
  assert.equal(maskAccountId('MI0000000042'), '****0042');
  assert.equal(maskNationalId('11010519491231002X'), '******************');
  assert.equal(maskNationalId('E12345678'), '******************');
  assert.equal(maskAddress('广东省深圳市南山区,科技园路12号'), '广东省 ***');
  assert.equal(maskAddress('北京市海淀区,中关村大街1号'), '北京市 ***');
  assert.equal(maskAddress('内蒙古自治区呼和浩特市新城区,新华大街5号'), '内蒙古自治区 ***');
  assert.equal(maskAddress('深圳市南山区科技园路12号'), '***');
  assert.equal(maskAddress('123 Xyz Road, Haidian, Beijing 100080'), 'Beijing ***');
  assert.equal(maskAddress('10 Downing Street London'), '***');
  assert.equal(maskBirthDate('1988-02-29'), '1988-**-**');
});

test('star runs do not reveal the length of what they hide', () => {
  assert.equal(maskName('Li Na').indexOf('**'), maskName('Zhangsun Na').indexOf('**'));
  assert.equal(maskEmail('a@example.com'), 'a***@example.com');
  assert.equal(maskEmail('averyveryverylongname@example.com'), 'a***@example.com');
});
