package bsd

// nativeLayout is the layout of the system the tests run on.
var nativeLayout = Darwin
