/** The naming rule of naming.ts at the type level, so `d1.cards.suspend` is typed without a hand-written list. */

type Segments<P extends string> = P extends `/${infer Head}/${infer Tail}`
  ? [Head, ...Segments<`/${Tail}`>]
  : P extends `/${infer Last}`
    ? [Last]
    : [];

type AfterIssuer<S extends readonly string[]> = S extends readonly [
  infer Head,
  ...infer Tail extends string[],
]
  ? Head extends '{issuerId}'
    ? Tail extends readonly [infer Next extends string, ...string[]]
      ? Next
      : never
    : AfterIssuer<Tail>
  : never;

type StripCustomMethod<S extends string> = S extends `${infer Collection}:${string}` ? Collection : S;

/** Distributes over a union of paths, one group per path. */
export type GroupOfPath<P extends string> = P extends string
  ? StripCustomMethod<
      [AfterIssuer<Segments<P>>] extends [never]
        ? Segments<P> extends readonly [infer First extends string, ...string[]]
          ? First
          : 'root'
        : AfterIssuer<Segments<P>>
    >
  : never;

export type NounOf<G extends string> = G extends `${infer Stem}s` ? Capitalize<Stem> : Capitalize<G>;

type IsUpper<C extends string> = C extends Lowercase<C> ? false : true;

/** Splits before the first capital: `getToken` → ['get', 'Token']. */
type FirstWord<S extends string, Acc extends string = ''> = S extends `${infer C}${infer Rest}`
  ? IsUpper<C> extends true
    ? [Acc, S]
    : FirstWord<Rest, `${Acc}${C}`>
  : [Acc, ''];

/** The last capitalised word: `ProductionStatus` → `Status`. */
type LastWord<S extends string, Current extends string = ''> = S extends `${infer C}${infer Rest}`
  ? IsUpper<C> extends true
    ? LastWord<Rest, C>
    : LastWord<Rest, `${Current}${C}`>
  : Current;

type VerbAndRest<Op extends string, Noun extends string> = Op extends `${infer Verb}${Noun}${infer Rest}`
  ? [Verb, Rest]
  : FirstWord<Op>;

type Compose<Op extends string, Parts extends [string, string]> = Parts[0] extends ''
  ? Op
  : Parts[1] extends ''
    ? Parts[0]
    : Parts[0] extends 'get'
      ? Uncapitalize<LastWord<Parts[1]>>
      : `${Parts[0]}${Parts[1]}`;

export type MethodNameOf<Op extends string, G extends string> = Compose<Op, VerbAndRest<Op, NounOf<G>>>;
