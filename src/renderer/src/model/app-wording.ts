/**
 * The engine's messages name CLI options ("resample with --resample"); in the app the same advice
 * names the control that does it. One table, applied to every engine message the wizard shows.
 */
const REWRITES: readonly (readonly [RegExp, string | ((...m: string[]) => string)])[] = [
  [
    /Map it with --label-map "([^"]*)=1" \(abnormal\) or "\1=0" \(normal\), or ignore the column with --ignore "([^"]*)"\./g,
    (_m, word, col) =>
      `Map "${word}" under Label values (normal or abnormal), or give the column "${col}" the role Event marker or Ignored in the roles table.`,
  ],
  [/\(resample with --resample\)/g, '(tick "Resample irregular timestamps" under How the file was read)'],
  [/importing with --resample/g, 'resampling'],
  [/select channels with --channels/g, 'choose the sensor channels in the roles table'],
  [/\(--channels\)/g, '(in the roles table)'],
  [/name the channels with --channels/g, 'choose the sensor channels in the roles table'],
  [/\(--delimiter, --decimal\)/g, '(Column separator and Decimal mark under How the file was read)'],
  [/\(--delimiter\)/g, '(Column separator under How the file was read)'],
  [
    /choose another timestamp column with --timestamp \(or --timestamp none\)/g,
    'give another column the role Timestamp in the roles table (or set this one to Ignored)',
  ],
  [/or pass --timestamp none/g, 'or set its role to Ignored in the roles table'],
  [/or name it with --timestamp/g, 'or give it the role Timestamp in the roles table'],
  [/the path of --labels/g, 'the path in the Labels file field'],
  [/train with --seeds (\d+) or more/g, (_m, n) => `set Seeds to ${n} or more in the Variants step`],
  [
    /choose a larger training share \(--train-fraction\) or more training rows \(--train-rows\)/g,
    'choose a larger leading share, or more first rows, under Training part of each series in the Variants step',
  ],
  [
    /choose the default split rule \(no --train-rows or --train-fraction\)/g,
    'choose Default rule under Training part of each series in the Variants step',
  ],
  [/\(--preset (\w+), a window of/g, '(Model preset $1 in the Variants step, a window of'],
  [/give a windows file \(--labels\)/g, 'give a windows file (Labels file)'],
  [/drop the label column \(([^)]*)\)/g, 'give the label column $1 the role Ignored in the roles table'],
];

/** An engine message in the app's words (controls instead of CLI options). */
export function appWording(message: string): string {
  let out = message;
  for (const [pattern, to] of REWRITES) out = out.replace(pattern, to as never);
  return out;
}
