/** Registers every function and aggregate; import this module once before binding. */
import './compare';
import './string-ops';
import './logic';
import './arith';
import './between';
import './datetime';
import './conversions';
import './conditional';
import './aggregates';

export { lookupScalar, lookupAggregate, scalarFunctionNames, aggregateFunctionNames } from './registry';
