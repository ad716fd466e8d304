import { defineConfig, type UserConfigExport } from '@tarojs/cli'

const env = process.env.TARO_ENV || 'h5'

// H5 is served by the backend at /h5/, so an empty base means "same origin".
// The mini-program needs an absolute origin; a local backend by default (DevTools: urlCheck off).
const apiBase = process.env.API_BASE ?? (env === 'h5' ? '' : 'http://127.0.0.1:8000')

export default defineConfig(() => {
  const config: UserConfigExport = {
    projectName: 'palmcity',
    date: '2024-1-1',
    designWidth: 750,
    deviceRatio: {
      640: 2.34 / 2,
      750: 1,
      375: 2,
      828: 1.81 / 2,
    },
    sourceRoot: 'src',
    // One folder per target so one build does not wipe the other.
    outputRoot: `dist/${env}`,
    plugins: [],
    defineConstants: {
      API_BASE: JSON.stringify(apiBase),
    },
    copy: { patterns: [], options: {} },
    framework: 'react',
    compiler: 'webpack5',
    cache: { enable: process.env.TARO_CACHE === '1' },
    mini: {
      postcss: {
        pxtransform: { enable: true, config: {} },
      },
    },
    h5: {
      publicPath: '/h5/',
      staticDirectory: 'static',
      router: { mode: 'hash' },
      output: {
        filename: 'js/[name].[hash:8].js',
        chunkFilename: 'js/[name].[chunkhash:8].js',
      },
      miniCssExtractPluginOption: {
        ignoreOrder: true,
        filename: 'css/[name].[hash].css',
        chunkFilename: 'css/[name].[chunkhash].css',
      },
      postcss: {
        autoprefixer: { enable: true, config: {} },
      },
    },
  }
  return config
})
