export default definePageConfig({ navigationBarTitleText: '游客投诉' })
