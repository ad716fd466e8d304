export default definePageConfig({ navigationBarTitleText: '景区管理' })
