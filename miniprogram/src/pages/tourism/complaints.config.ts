export default definePageConfig({ navigationBarTitleText: '旅游投诉' })
