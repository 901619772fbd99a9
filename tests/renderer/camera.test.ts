import { describe, expect, it } from 'vitest';
import { Burst, CAPTURE_SIZE, cropPercent, base64Bytes, base64Slice, cameraProblem, capturePaths, centreCrop, classNameProblem, saveProblem } from '../../src-renderer/lib/camera';

describe('the centre crop of a camera frame', () => {
  it('takes the middle square of a landscape frame and the middle of a portrait one', () => {
    expect(centreCrop(640, 480, 32, 32)).toEqual({ sx: 80, sy: 0, sw: 480, sh: 480 });
    expect(centreCrop(480, 640, 32, 32)).toEqual({ sx: 0, sy: 80, sw: 480, sh: 480 });
  });
  it('keeps the aspect of a non-square picture size', () => {
    // a 24×32 (height × width) dataset from a 640×480 frame: the whole frame (4:3 already)
    expect(centreCrop(640, 480, 32, 24)).toEqual({ sx: 0, sy: 0, sw: 640, sh: 480 });
    // 16:9 video, 1:2 picture: a tall strip in the middle
    const c = centreCrop(1280, 720, 20, 40);
    expect(c).toEqual({ sx: 460, sy: 0, sw: 360, sh: 720 });
  });
  it('places the frame drawn over the video on the crop', () => {
    expect(cropPercent(640, 480, 32, 32)).toEqual({ left: '12.50%', top: '0.00%', width: '75.00%', height: '100.00%' });
  });
  it('refuses a frame of size 0 (the video has not started)', () => {
    expect(() => centreCrop(0, 0, 32, 32)).toThrow(/no picture yet/);
  });
  it('captures at the import’s default colour size', () => {
    expect(CAPTURE_SIZE).toEqual([32, 32]);
  });
});

describe('holding the record button', () => {
  it('takes one picture at once, then five a second while held', () => {
    const b = new Burst(5);
    expect(b.start(1000)).toBe(1);
    expect(b.due(1100)).toBe(0);
    expect(b.due(1200)).toBe(1);
    expect(b.due(1250)).toBe(0);
    // a slow timer catches up: 2 s after the start, 11 pictures in all
    expect(b.due(3000)).toBe(9);
    b.stop();
    expect(b.running).toBe(false);
    expect(b.due(5000)).toBe(0);
  });
  it('a click takes exactly one picture', () => {
    const b = new Burst();
    expect(b.start(0) + b.due(50)).toBe(1);
    b.stop();
    expect(b.start(10_000)).toBe(1);
  });
});

describe('what stops saving', () => {
  it('a new dataset needs two classes, each with pictures', () => {
    expect(saveProblem([{ name: 'cat', shots: 3 }], false)).toMatch(/at least two: add a second class/);
    expect(saveProblem([{ name: 'cat', shots: 3 }, { name: 'dog', shots: 0 }], false)).toMatch(/“dog” has no pictures yet/);
    expect(saveProblem([{ name: 'cat', shots: 3 }, { name: 'dog', shots: 1 }], false)).toBeNull();
  });
  it('pictures added to a dataset need one class with pictures', () => {
    expect(saveProblem([{ name: 'cat', shots: 2 }], true)).toBeNull();
    expect(saveProblem([{ name: 'cat', shots: 0 }], true)).toMatch(/No pictures yet/);
  });
  it('names: empty, clashing, and ones that would not be a folder', () => {
    expect(saveProblem([{ name: ' ', shots: 1 }, { name: 'b', shots: 1 }], false)).toBe('Class 1 has no name yet: type one.');
    expect(saveProblem([{ name: 'Cat', shots: 1 }, { name: 'cat ', shots: 1 }], false)).toMatch(/Two classes are called “cat”/);
    expect(classNameProblem('a/b')).toMatch(/cannot contain “\/”/);
    expect(classNameProblem('..')).toMatch(/cannot start with a dot/);
    expect(classNameProblem('.hidden')).toMatch(/cannot start with a dot/);
    expect(classNameProblem('a\\b')).toMatch(/cannot contain/);
    expect(classNameProblem('tab\there')).toMatch(/control characters/);
    expect(classNameProblem('x'.repeat(101))).toMatch(/at most 100/);
    expect(classNameProblem('chat noir 🐈')).toBeNull();
  });
});

describe('the upload of captured pictures', () => {
  it('names the pictures camera/<class>/<n>.png, numbered with equal widths', () => {
    expect(capturePaths(' cat ', 2)).toEqual(['camera/cat/1.png', 'camera/cat/2.png']);
    expect(capturePaths('dog', 10)[0]).toBe('camera/dog/01.png');
  });
  it('slices base64 by bytes and counts its bytes', () => {
    const b64 = Buffer.from('hello world').toString('base64');
    expect(base64Bytes(b64)).toBe(11);
    expect(Buffer.from(base64Slice(b64, 6, 11), 'base64').toString()).toBe('world');
  });
});

describe('a camera that cannot be opened', () => {
  it('says what happened and what to do', () => {
    expect(cameraProblem({ name: 'NotAllowedError' })).toMatch(/not allowed.*choose “Allow”/);
    expect(cameraProblem({ name: 'NotFoundError' })).toMatch(/No camera was found/);
    expect(cameraProblem({ name: 'NotReadableError' })).toMatch(/another program/);
    expect(cameraProblem({ name: 'NoMediaDevices' })).toMatch(/secure pages/);
    expect(cameraProblem(new Error('odd'))).toMatch(/could not be started \(odd\)/);
  });
});
